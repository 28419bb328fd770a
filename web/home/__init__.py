"""The start page: each role lands where its day's work begins."""
