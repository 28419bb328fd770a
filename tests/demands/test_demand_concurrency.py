"""Two conflicting transitions at once on the real database: exactly one wins."""

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import Conflict
from layers.access import users
from layers.access.actors import Actor, for_user
from layers.demands import store as demands
from layers.demands import transitions
from layers.demands.fields import check_new_demand
from tests import committed as committed_rows


@pytest.fixture
def committed(engine):
    """A committed dispatched demand and its department's staff member; removed afterwards."""
    with Session(engine) as s:
        user = users.create_user(s, "t_concurrency_heat", "department_staff", "secret-pass-1",
                                 department_code="heating")
        actor = for_user(user)
        codes = []
        for _ in range(5):
            d = demands.create_demand(s, check_new_demand(
                {"title": "并发", "category": "1001", "lon": 131.0031, "lat": 45.7711}), actor)
            s.execute(text("UPDATE demands SET state = 'dispatched', "
                           "assignee_department_code = 'heating' WHERE code = :c"),
                      {"c": d["code"]})
            codes.append(d["code"])
        s.commit()
    yield actor, codes
    committed_rows.remove(engine, codes, user_names=["t_concurrency_heat"])


def _race(engine, code: str, actor: Actor, actions) -> list[str]:
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(action: str, note: str) -> None:
        with Session(engine) as s:
            barrier.wait()
            try:
                transitions.apply(s, code, action, actor, {"note": note})
                s.commit()
                results.append("won")
            except Conflict:
                s.rollback()
                results.append("409")
            except Exception as err:  # noqa: BLE001 - reported in the assertion
                s.rollback()
                results.append(repr(err))

    threads = [threading.Thread(target=attempt, args=a)
               for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_staff_signing_at_once_exactly_one_wins(engine, committed):
    actor, codes = committed
    for code in codes:
        assert sorted(_race(engine, code, actor, [("sign", ""), ("sign", "")])) == [
            "409", "won"]
    with Session(engine) as s:
        counts = s.execute(text(
            "SELECT d.code, count(e.id) FROM demands d JOIN demand_events e "
            "ON e.demand_id = d.id AND e.action = 'sign' "
            "WHERE d.code = ANY(:c) GROUP BY d.code"), {"c": codes}).all()
    assert len(counts) == len(codes) and all(n == 1 for _, n in counts)


def test_resolve_racing_a_return_exactly_one_wins(engine, committed):
    actor, codes = committed
    with Session(engine) as s:
        for code in codes:
            transitions.apply(s, code, "sign", actor, {})
        s.commit()
    for code in codes:
        outcome = _race(engine, code, actor, [("resolve", "修好了"), ("return", "不归我们")])
        assert sorted(outcome) == ["409", "won"]
