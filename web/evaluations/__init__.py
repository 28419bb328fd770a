"""两评 on the web: staff pages of rounds, ballots, results and reports; 述职评议 and 约谈; the
residents' ballot page /evaluate."""
