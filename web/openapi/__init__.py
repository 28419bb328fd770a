"""The OpenAPI 3 document at /api/openapi.json."""
