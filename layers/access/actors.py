"""Who acts on a demand: a staff user with role and scope, a rider's own login, or an
anonymous resident."""

from __future__ import annotations

from dataclasses import dataclass

from layers.access import roles

RESIDENT_ROLE = "resident"


@dataclass(frozen=True)
class Actor:
    """The acting person: role, hierarchy scope (code prefix, None = city-wide), department."""

    role: str = RESIDENT_ROLE
    user_id: int | None = None
    name: str = "居民"
    scope: str | None = None
    department_code: str | None = None
    personal_data: bool = False

    @property
    def is_staff(self) -> bool:
        """Return True for a logged-in staff member (a rider's login is not staff)."""
        return self.user_id is not None and roles.is_staff(self.role)

    @property
    def is_rider(self) -> bool:
        """Return True for a delivery rider's own login (role rider)."""
        return self.user_id is not None and self.role == roles.RIDER

    def covers(self, grid_code: str) -> bool:
        """Return True when `grid_code` is inside this staff actor's scope (never for a rider
        or a resident, who have no scope)."""
        return roles.is_staff(self.role) and roles.in_scope(self.scope, grid_code)


RESIDENT = Actor()


def for_user(user) -> Actor:
    """Return the Actor for a user row (anything with the users table's attributes): a rider
    keeps its user_id (its reports are credited) but never a scope or personal data."""
    if user is None:
        return RESIDENT
    if not roles.is_staff(user.role):
        return Actor(role=user.role, user_id=user.id, name=user.display_name)
    return Actor(role=user.role, user_id=user.id, name=user.display_name,
                 scope=user.scope_code, department_code=user.department_code,
                 personal_data=user.personal_data)
