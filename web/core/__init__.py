"""Shared web plumbing: db session, errors, JSON, params, uploads, media, periods, forms, maps."""
