"""Logins on the web: the login pages, decorators, the request's actor, `flask users`."""
