"""两评: residents' rounds and ballots (群众评议), secretaries' reviews (组织评议), 约谈."""
