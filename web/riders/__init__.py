"""Riders on the web: the rider API, /riders and /riders/me."""
