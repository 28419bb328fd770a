"""Rounds, codes and votes for the evaluation tests, written through the domain."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from layers.access.actors import Actor
from layers.evaluations import ballots, catalog, rounds, sheets

CITY_ADMIN = Actor(role="admin", user_id=None, name="测试管理员")
STREET = "230903011"  # 桃东街道: 5 communities
COMMUNITY = "230903011001"  # 康宁社区
DIMS = [d["key"] for d in catalog.DIMENSIONS[catalog.COMMUNITY]]


def community_round(session: Session, area: str = STREET, period: str = "2026Q4",
                    state: str = "open", min_votes: int = 3) -> int:
    """Create a community round over `area` (opened, or closed, unless state='draft')."""
    data = rounds.check_round({"kind": catalog.COMMUNITY, "period": period, "area_code": area,
                               "min_votes": min_votes})
    round_id = rounds.create_round(session, CITY_ADMIN, data)
    _to(session, round_id, state)
    return round_id


def department_round(session: Session, district: str = "230903", period: str = "2026H2",
                     state: str = "open") -> int:
    """Create a department round of a district (opened, or closed, unless state='draft')."""
    data = rounds.check_round({"kind": catalog.DEPARTMENT, "period": period,
                               "area_code": district, "min_votes": 1})
    round_id = rounds.create_round(session, CITY_ADMIN, data)
    _to(session, round_id, state)
    return round_id


def _to(session: Session, round_id: int, state: str) -> None:
    if state in ("open", "closed"):
        rounds.move(session, CITY_ADMIN, round_id, "open")
    if state == "closed":
        rounds.move(session, CITY_ADMIN, round_id, "closed")


def codes(session: Session, round_id: int, count: int = 1,
          community: str | None = COMMUNITY) -> list[str]:
    """Issue `count` codes (for `community` in a community round); return them."""
    return ballots.issue(session, CITY_ADMIN, round_id,
                         {"count": count, "community_code": community or ""})["codes"]


def marks(unit: str, scores: list[int], dims: list[str] = DIMS) -> dict:
    """Return a ballot's form fields scoring `unit` with `scores` in dimension order."""
    return {f"m-{unit}-{d}": str(s) for d, s in zip(dims, scores, strict=True)}


def staff_sheet(session: Session, round_id: int, unit: str, rows: list[list[int]]) -> dict:
    """Enter a meeting's forms for `unit` as the city admin."""
    form = {"unit_code": unit, "meeting_on": "2026-11-20"}
    for i, row in enumerate(rows):
        form.update({f"s-{i}-{d}": str(s) for d, s in zip(DIMS, row, strict=True)})
    return sheets.enter_meeting(session, CITY_ADMIN, round_id, form)


def remove_round(engine: Engine, round_id: int) -> None:
    """Delete a committed round (ballots, sheets and scores go with it) and its audit rows."""
    with Session(engine) as s:
        s.execute(text("DELETE FROM evaluation_rounds WHERE id = :i"), {"i": round_id})
        s.execute(text("DELETE FROM audit_log WHERE user_id IS NULL AND subject LIKE :s"),
                  {"s": f"round:{round_id} %"})
        s.execute(text("DELETE FROM audit_log WHERE user_id IS NULL AND subject = :s"),
                  {"s": f"round:{round_id}"})
        s.commit()


def close(session: Session, round_id: int) -> None:
    """Close an open round."""
    rounds.move(session, CITY_ADMIN, round_id, "closed")
