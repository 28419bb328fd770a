"""Shared test helpers for riders and members: a community's grids, a member in them."""

from __future__ import annotations

from sqlalchemy import text

from tests import factories


def community_with(session, n: int) -> tuple[str, list[str]]:
    """Return the first community with at least `n` current grids, and its grid codes."""
    community = session.execute(text(
        "SELECT community_code FROM grids WHERE valid_to IS NULL GROUP BY community_code "
        "HAVING count(*) >= :n ORDER BY community_code LIMIT 1"), {"n": n}).scalar_one()
    grids = session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL AND community_code = :c ORDER BY code"),
        {"c": community}).scalars().all()
    return community, list(grids)


def add_member(session, name: str, grids: list[str], user=None, kind: str = "rider") -> int:
    """Insert a member (phone 13812345678, platform 美团) responsible for `grids`, acting
    through `user` when given; commit and return its id."""
    mid = factories.member(session, kind, name, grids, phone="13812345678", platform="美团",
                           user_id=user.id if user else None)
    session.commit()
    return mid
