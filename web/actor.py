"""The acting person of the current request, as the domain's Actor."""

from __future__ import annotations

from layers.actors import RESIDENT, Actor


def current() -> Actor:
    """Return the logged-in or token-bearing staff member, or the anonymous resident."""
    from web.auth import current_actor

    user = current_actor()
    if user is None:
        return RESIDENT
    return Actor(role=user.role, user_id=user.id, name=user.name, scope=user.scope_code,
                 department_code=user.department_code, personal_data=user.personal_data)
