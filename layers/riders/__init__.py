"""Delivery riders (流动网格员): contributions, activities, 差评消消乐 requests."""
