"""Who acts on a demand: a staff user with role and scope, or an anonymous resident."""

from __future__ import annotations

from dataclasses import dataclass

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
        """Return True for a logged-in staff member."""
        return self.user_id is not None and self.role != RESIDENT_ROLE

    def covers(self, grid_code: str) -> bool:
        """Return True when `grid_code` is inside this actor's scope."""
        return self.scope is None or grid_code.startswith(self.scope)


RESIDENT = Actor()


def for_user(user) -> Actor:
    """Return the Actor for a staff user row (anything with the users table's attributes)."""
    if user is None:
        return RESIDENT
    return Actor(role=user.role, user_id=user.id, name=user.display_name,
                 scope=user.scope_code, department_code=user.department_code,
                 personal_data=user.personal_data)
