"""User text never holds control characters or direction overrides: every entry refuses them
with a field error naming the character, and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from gis.checks import unsafe_text
from gis.errors import Invalid
from layers.riders import contributions as riders
from layers.riders import reviews as rider_reviews

DEMAND = {"title": "暖气不热", "category": "1001", "lon": 131.0031, "lat": 45.7711}


@pytest.mark.parametrize("value", ["第一行\n第二行", "a\tb\r\n", "七台河 😀", "x\u200by", "\u2028"])
def test_ordinary_text_with_tabs_line_breaks_and_emoji_is_taken(value):
    assert unsafe_text(value) is None


@pytest.mark.parametrize(("value", "named"), [
    ("a\x00b", "NUL"), ("ctl\x01t", "U+0001"), ("\x1b[31m", "U+001B"), ("a\x7f", "U+007F"),
    ("\x85", "U+0085"), ("gnp.exe\u202etxt", "U+202E"), ("\u2066x\u2069", "U+2066")])
def test_control_and_direction_override_characters_are_named(value, named):
    assert named in unsafe_text(value)


def _demands(session) -> int:
    return session.execute(text("SELECT count(*) FROM demands")).scalar_one()


@pytest.mark.parametrize(("field", "value", "named"), [
    ("title", "ctl\x01t", "U+0001"), ("address", "\u202e路口", "U+202E"),
    ("description", "报修\x1b", "U+001B"), ("reporter_name", "王\x7f", "U+007F")])
def test_a_demand_with_such_a_character_is_refused_naming_the_field(client, session, field,
                                                                    value, named):
    before = _demands(session)
    for send in ({"json": {**DEMAND, field: value}}, {"data": {**DEMAND, field: value}}):
        resp = client.post("/api/v1/demands", **send)
        assert resp.status_code == 422, resp.get_data()[:300]
        assert named in resp.get_json()["error"]["fields"][field]
    assert _demands(session) == before


def test_a_demand_description_keeps_its_line_breaks_and_tabs(client):
    resp = client.post("/api/v1/demands", json={**DEMAND, "description": "一楼\n二楼\t漏水"})
    assert resp.status_code == 201
    assert resp.get_json()["description"] == "一楼\n二楼\t漏水"


def test_a_transition_note_with_a_control_character_is_refused(client, session, staff):
    code = client.post("/api/v1/demands", json=DEMAND).get_json()["code"]
    _, headers = staff("dispatcher")
    events = session.execute(text("SELECT count(*) FROM demand_events")).scalar_one()
    resp = client.post(f"/api/v1/demands/{code}/transitions", headers=headers,
                       json={"action": "dispatch", "note": "改派\x7f"})
    assert resp.status_code == 422 and "U+007F" in resp.get_json()["error"]["fields"]["note"]
    assert session.execute(text("SELECT count(*) FROM demand_events")).scalar_one() == events


def test_rider_notes_and_review_requests_refuse_them():
    with pytest.raises(Invalid) as err:
        riders.check_activity({"kind": "help", "note": "帮\u202e忙"}, datetime.now(UTC))
    assert "U+202E" in err.value.fields["note"]
    with pytest.raises(Invalid) as err:
        rider_reviews.check_request({"order_ref": "MT-1\x08", "reason": "超时\x1b"})
    assert set(err.value.fields) == {"order_ref", "reason"}
