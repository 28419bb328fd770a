"""Reporting on the web: the public board and the ledger downloads."""
