"""`flask demo`: load the demo city and keep its positions fresh."""
