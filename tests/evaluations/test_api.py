"""GET /api/v1/evaluations/rounds/<id>/results: the figures of the page, scoped."""

from __future__ import annotations

from layers.evaluations import ballots
from tests.evaluations import rows
from tests.evaluations.rows import COMMUNITY, STREET, marks


def test_the_results_api_gives_each_units_figures(client, session, staff):
    round_id = rows.community_round(session, min_votes=1)
    [code] = rows.codes(session, round_id)
    ballots.cast(session, code, marks(COMMUNITY, [5, 4, 3, 2, 1]))
    _, headers = staff("leader", STREET)
    resp = client.get(f"/api/v1/evaluations/rounds/{round_id}/results", headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    unit = next(u for u in body["units"] if u["code"] == COMMUNITY)
    assert (unit["votes"], unit["mean"], unit["score"], unit["rank"]) == (1, 3.0, 60.0, 1)
    assert unit["dimensions"]["building"] == 5 and body["round"]["state"] == "open"
    assert body["scale"]["5"] == "很满意"


def test_the_results_api_refuses_rounds_outside_the_scope_and_unknown_ones(client, session,
                                                                            staff):
    theirs = rows.community_round(session, area="230902031")
    _, headers = staff("supervisor", STREET)
    refused = client.get(f"/api/v1/evaluations/rounds/{theirs}/results", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "out_of_scope"
    missing = client.get("/api/v1/evaluations/rounds/2147483000/results", headers=headers)
    assert missing.status_code == 404 and "没有评议轮次" in missing.get_json()["error"]["message"]
