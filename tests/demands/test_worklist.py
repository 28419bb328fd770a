"""我的工单 and 待核查: who sees which orders, in what order, and that nobody reaches another
community's orders (not listed, 403 on the page and the actions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from layers.demands import worklist
from tests.demands.loop import actor, demand_to, logged_in, places, state_and_events, take


@pytest.fixture
def world(session, staff):
    """A community (two grids) and another one; a worker of each, heating staff, a
    community coordinator and a dispatcher."""
    community, grids, other = places(session)
    users = {
        "worker": staff("grid_worker", scope=community)[0],
        "other_worker": staff("grid_worker", scope=other[:12])[0],
        "heating": staff("department_staff", department="heating")[0],
        "coordinator": staff("community_staff", scope=community)[0],
        "dispatcher": staff("dispatcher")[0],
    }
    return {"community": community, "grids": grids, "other": other, "users": users,
            "as": {k: actor(u) for k, u in users.items()}}


def _set_deadline(session, code: str, deadline: datetime) -> None:
    session.execute(text("UPDATE demands SET deadline = :t WHERE code = :c"),
                    {"t": deadline, "c": code})


def _codes(listing: dict, wanted: list[str]) -> list[str]:
    return [i["code"] for i in listing["items"] if i["code"] in wanted]


def test_work_list_holds_own_and_community_orders_oldest_deadline_first(session, world):
    disp, w = world["as"]["dispatcher"], world["as"]["worker"]
    a1, a2 = world["grids"][:2]
    own = demand_to(session, disp, a1, {"user": world["users"]["worker"].id})
    community = demand_to(session, disp, a2, {"community": world["community"]})
    someone_else = demand_to(session, disp, a1, {"user": world["users"]["other_worker"].id})
    heating = demand_to(session, disp, a1, {"department": "heating"}, "1001", "暖气不热")
    outside = demand_to(session, disp, world["other"], {"community": world["other"][:12]})
    now = datetime.now(UTC)
    _set_deadline(session, own["code"], now - timedelta(hours=2))  # overdue
    _set_deadline(session, community["code"], now - timedelta(days=1))
    codes = [d["code"] for d in (own, community, someone_else, heating, outside)]
    listing = worklist.assigned_to(session, w, now=now)
    assert _codes(listing, codes) == [community["code"], own["code"]]
    by_code = {i["code"]: i for i in listing["items"]}
    assert by_code[own["code"]]["overdue"] and by_code[own["code"]]["my_actions"] == [
        "sign", "return"]
    assert _codes(worklist.assigned_to(session, world["as"]["heating"], now=now), codes) == [
        heating["code"]]
    assert _codes(worklist.assigned_to(session, world["as"]["other_worker"], now=now),
                  codes) == [someone_else["code"], outside["code"]]


def test_a_fresh_order_is_not_overdue_and_resolved_ones_come_last(session, world):
    disp, w = world["as"]["dispatcher"], world["as"]["worker"]
    first = demand_to(session, disp, world["grids"][0], {"community": world["community"]})
    done = demand_to(session, disp, world["grids"][1], {"community": world["community"]})
    take(session, done["code"], [("sign", w), ("resolve", w)])
    listing = worklist.assigned_to(session, w)
    items = {i["code"]: i for i in listing["items"]}
    assert not items[first["code"]]["overdue"] and not items[first["code"]]["sign_late"]
    assert _codes(listing, [first["code"], done["code"]]) == [first["code"], done["code"]]
    assert items[done["code"]]["my_actions"] == []  # read-only: waiting for the check


def test_another_communitys_worker_neither_sees_nor_reaches_the_order(client, session, world):
    disp = world["as"]["dispatcher"]
    d = demand_to(session, disp, world["grids"][0], {"community": world["community"]})
    session.commit()
    logged_in(client, world["users"]["other_worker"])
    assert d["code"] not in client.get("/work").get_data(as_text=True)
    page = client.get(f"/staff/demands/{d['code']}")
    assert page.status_code == 403 and "不在您的管辖范围" in page.get_data(as_text=True)
    for action in ("sign", "return", "SIGNED", "progress", "resolve"):
        if action == "SIGNED":  # its own worker signs; the other still cannot act
            take(session, d["code"], [("sign", world["as"]["worker"])])
            session.commit()
            continue
        before = state_and_events(session, d["code"])
        r = client.post(f"/api/v1/demands/{d['code']}/transitions",
                        json={"action": action, "note": "试试"},
                        headers={"X-CSRFToken": _csrf(client)})
        assert r.status_code == 403, (action, r.get_json())
        assert state_and_events(session, d["code"]) == before
    assert client.get("/staff/demands/QTH-19990101-9999").status_code == 404


def _csrf(client) -> str:
    from tests.demands.loop import csrf_of

    return csrf_of(client, "/work")


def test_work_page_shows_cards_with_the_actions_of_their_state(client, session, world):
    disp, w = world["as"]["dispatcher"], world["as"]["worker"]
    waiting = demand_to(session, disp, world["grids"][0], {"community": world["community"]},
                        title="<b>楼道</b>杂物")
    signed = demand_to(session, disp, world["grids"][1], {"community": world["community"]})
    take(session, signed["code"], [("sign", w)])
    session.commit()
    logged_in(client, world["users"]["worker"])
    html = client.get("/work").get_data(as_text=True)
    assert "我的工单" in html and "&lt;b&gt;楼道&lt;/b&gt;杂物" in html and "<b>楼道" not in html
    card = html[html.index(f'id="card-{waiting["code"]}"'):]
    assert card.index('data-action="sign"') < card.index("</article>")
    card = html[html.index(f'id="card-{signed["code"]}"'):]
    card = card[:card.index("</article>")]
    assert all(f'data-action="{a}"' in card for a in ("resolve", "progress", "return"))
    assert 'capture="environment"' in card and 'accept="image/*"' in card
    assert 'type="module"' in html and "js/demands/work.js" in html


def test_verification_list_holds_resolved_demands_of_the_scope_oldest_first(client, session,
                                                                            world):
    disp, w = world["as"]["dispatcher"], world["as"]["worker"]
    older = demand_to(session, disp, world["grids"][0], {"community": world["community"]})
    newer = demand_to(session, disp, world["grids"][1], {"community": world["community"]})
    out = demand_to(session, disp, world["other"], {"community": world["other"][:12]})
    for d in (older, newer):
        take(session, d["code"], [("sign", w), ("resolve", w)])
    take(session, out["code"], [("sign", world["as"]["other_worker"]),
                                ("resolve", world["as"]["other_worker"])])
    session.execute(text("UPDATE demands SET resolved_at = resolved_at - interval '1 day' "
                         "WHERE code = :c"), {"c": older["code"]})
    codes = [older["code"], newer["code"], out["code"]]
    listing = worklist.waiting_verification(session, world["as"]["coordinator"])
    assert _codes(listing, codes) == [older["code"], newer["code"]]
    assert listing["items"][0]["my_actions"] == ["verify", "rework"]
    session.commit()
    logged_in(client, world["users"]["coordinator"])
    html = client.get("/work/verification").get_data(as_text=True)
    assert "待核查" in html and out["code"] not in html
    assert html.index(older["code"]) < html.index(newer["code"])
    assert 'data-action="verify"' in html and 'data-action="rework"' in html
    logged_in(client, world["users"]["worker"])
    assert client.get("/work/verification").status_code == 403  # not a coordinator
