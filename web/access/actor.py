"""The acting person of the current request, as the domain's Actor."""

from __future__ import annotations

from layers.access.actors import Actor, for_user
from web.access.guard import current_actor


def current() -> Actor:
    """Return the logged-in or token-bearing staff member, or the anonymous resident."""
    return for_user(current_actor())
