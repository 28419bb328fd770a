"""Shared test helpers for riders and members: a community's grids, a member in them."""

from __future__ import annotations

from sqlalchemy import text


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
    mid = session.execute(text(
        "INSERT INTO members (kind, name, phone, platform, user_id) VALUES "
        "(:k, :n, '13812345678', '美团', :u) RETURNING id"),
        {"k": kind, "n": name, "u": user.id if user else None}).scalar_one()
    for g in grids:
        session.execute(text("INSERT INTO member_grids VALUES (:m, :g)"), {"m": mid, "g": g})
    session.commit()
    return mid
