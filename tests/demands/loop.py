"""Shared pieces of the work-list and follow tests: two communities' grids, demands taken
through the loop to a state, logins on the test client, a small JPEG."""

from __future__ import annotations

from io import BytesIO
from itertools import cycle

from PIL import Image
from sqlalchemy import text

from layers.access.actors import Actor, for_user
from layers.demands import transitions
from tests import factories
from tests.people import community_with

# Small classes a demand is filed under in turn: two in one grid are then never joined as
# duplicates.
CATEGORIES = cycle(("0103", "0102", "0201", "0402", "1401", "1403", "1501", "0105", "0504"))
NOTES = {"resolve": "已处理完毕", "return": "不属本单位", "rework": "仍未处理好"}


def jpeg(color=(10, 120, 200)) -> bytes:
    """Return a small JPEG picture."""
    out = BytesIO()
    Image.new("RGB", (80, 60), color).save(out, "JPEG")
    return out.getvalue()


def places(session) -> tuple[str, list[str], str]:
    """Return a community with two grids, its grids, and a grid of another community."""
    community, grids = community_with(session, 2)
    other = session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL AND community_code <> :c ORDER BY code "
        "LIMIT 1"), {"c": community}).scalar_one()
    return community, grids, other


def actor(user) -> Actor:
    """Return the Actor of a users row."""
    return for_user(user)


def demand_to(session, by: Actor, grid: str, to: dict, category: str | None = None,
              title: str = "楼道堆放杂物") -> dict:
    """File a demand in `grid` and dispatch it to `to` as `by`; return its summary with the
    follow token."""
    d = factories.demand(session, grid, category or next(CATEGORIES), title)
    transitions.apply(session, d["code"], "dispatch", by, {"to": to, "note": "按职责派单"})
    return d


def take(session, code: str, steps: list[tuple[str, Actor]]) -> dict:
    """Take each (action, actor) step on demand `code`; return the demand after the last."""
    out = {}
    for action, who in steps:
        out = transitions.apply(session, code, action, who, {"note": NOTES.get(action, "")})
    return out


def state_and_events(session, code: str) -> tuple[str, int]:
    """Return the demand's state and how many events it has."""
    return session.execute(text(
        "SELECT d.state, (SELECT count(*) FROM demand_events e WHERE e.demand_id = d.id) "
        "FROM demands d WHERE d.code = :c"), {"c": code}).one()


def logged_in(client, user) -> None:
    """Put `user`'s login into the test client's session."""
    with client.session_transaction() as s:
        s["_user_id"], s["_fresh"] = str(user.id), True


def csrf_of(client, path: str) -> str:
    """Return the CSRF token of a page (its meta tag)."""
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
