"""Who acts: actors, roles, staff logins and API tokens, the audit log."""
