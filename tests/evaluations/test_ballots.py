"""One vote per ballot code: codes are stored only as hashes, spent once (also when two
sessions race), refused for a round not open, and the vote is anonymous."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import Conflict, Invalid, NotFound
from layers.evaluations import ballots
from tests.evaluations import rows
from tests.evaluations.rows import COMMUNITY, marks

GOOD = [5, 4, 4, 3, 5]


def test_a_code_votes_once_and_is_refused_the_second_time(session):
    round_id = rows.community_round(session)
    [code] = rows.codes(session, round_id)
    done = ballots.cast(session, code, marks(COMMUNITY, GOOD))
    assert done["units"] == 1
    with pytest.raises(Conflict, match="只能投一次"):
        ballots.cast(session, code, marks(COMMUNITY, GOOD))
    assert session.execute(text("SELECT count(*) FROM evaluation_sheets WHERE round_id = :r"),
                           {"r": round_id}).scalar() == 1


def test_a_code_is_typed_in_any_case_with_or_without_dashes(session):
    round_id = rows.community_round(session)
    [code] = rows.codes(session, round_id)
    typed = " " + code.replace("-", "").lower() + " "
    assert ballots.open_ballot(session, typed)["units"][0]["code"] == COMMUNITY


def test_only_the_codes_hash_is_stored_and_the_vote_has_no_author(session):
    round_id = rows.community_round(session)
    [code] = rows.codes(session, round_id)
    ballots.cast(session, code, marks(COMMUNITY, GOOD))
    stored = session.execute(text(
        "SELECT code_hash, used_at IS NOT NULL FROM evaluation_ballots WHERE round_id = :r"),
        {"r": round_id}).one()
    assert stored == (ballots.code_hash(code), True) and code not in stored[0]
    sheet = session.execute(text("SELECT source, entered_by, meeting_on FROM evaluation_sheets "
                                 "WHERE round_id = :r"), {"r": round_id}).one()
    assert tuple(sheet) == ("ballot", None, None)


@pytest.mark.parametrize("state, message", [("draft", "还没有开始"), ("closed", "已经结束")])
def test_a_round_not_open_refuses_votes(session, state, message):
    round_id = rows.community_round(session, state="draft")
    [code] = rows.codes(session, round_id)
    if state == "closed":
        rows._to(session, round_id, "closed")
    with pytest.raises(Conflict, match=message):
        ballots.cast(session, code, marks(COMMUNITY, GOOD))


def test_an_unknown_code_is_refused_in_chinese(session):
    with pytest.raises(NotFound, match="没有这个评议码"):
        ballots.open_ballot(session, "AAAA-BBBB-CCCC")


def test_a_missing_score_names_its_field_and_spends_nothing(session):
    round_id = rows.community_round(session)
    [code] = rows.codes(session, round_id)
    form = marks(COMMUNITY, GOOD)
    del form[f"m-{COMMUNITY}-attitude"]
    form[f"m-{COMMUNITY}-solving"] = "9"
    with pytest.raises(Invalid) as err:
        ballots.cast(session, code, form)
    assert set(err.value.fields) == {f"m-{COMMUNITY}-attitude", f"m-{COMMUNITY}-solving"}
    assert "工作人员工作态度" in err.value.fields[f"m-{COMMUNITY}-attitude"]
    assert ballots.open_ballot(session, code)  # still unused


def test_a_department_ballot_may_skip_departments_but_not_all(session):
    round_id = rows.department_round(session)
    [code] = rows.codes(session, round_id, community=None)
    dims = ["solving", "speed", "attitude"]
    with pytest.raises(Invalid) as err:
        ballots.cast(session, code, {})
    assert "marks" in err.value.fields
    done = ballots.cast(session, code, marks("heating", [2, 3, 2], dims))
    assert done["units"] == 1


@pytest.fixture
def committed_code(engine):
    """A committed open round with one code; removed afterwards."""
    with Session(engine) as s:
        round_id = rows.community_round(s, period="2019Q1")
        [code] = rows.codes(s, round_id)
        s.commit()
    yield round_id, code
    rows.remove_round(engine, round_id)


def test_two_sessions_casting_one_code_at_once_only_one_wins(engine, committed_code):
    round_id, code = committed_code
    outcome: list[str] = []
    first = Session(engine)
    ballots.cast(first, code, marks(COMMUNITY, GOOD))  # holds the row, not yet committed

    def second() -> None:
        with Session(engine) as s:
            try:
                ballots.cast(s, code, marks(COMMUNITY, [1, 1, 1, 1, 1]))
                s.commit()
                outcome.append("won")
            except Conflict as err:
                outcome.append(err.code)

    racer = threading.Thread(target=second)
    racer.start()
    time.sleep(0.5)
    assert racer.is_alive()  # waiting on the first session's row lock
    first.commit()
    first.close()
    racer.join(timeout=10)
    assert outcome == ["ballot_used"]
    with Session(engine) as s:
        scores = s.execute(text(
            "SELECT array_agg(sc.score ORDER BY sc.dimension) FROM evaluation_scores sc "
            "JOIN evaluation_sheets sh ON sh.id = sc.sheet_id WHERE sh.round_id = :r"),
            {"r": round_id}).scalar()
    assert sorted(scores) == sorted(GOOD)
