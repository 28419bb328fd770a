"""Overdue escalation (idempotent) and the working calendar."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from layers import workcal
from layers.access.actors import RESIDENT
from layers.demands import escalation
from layers.demands import store as demands
from layers.demands.fields import check_new_demand

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}


def _weekdays(d: date) -> bool:
    return d.weekday() < 5


def test_two_hour_emergency_runs_on_calendar_hours():
    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # a Saturday
    assert workcal.deadline(start, 2, "hours", _weekdays) == start + timedelta(hours=2)


def test_one_working_hour_after_friday_evening_is_monday_morning():
    friday_evening = datetime(2026, 11, 27, 17, 0, 0, tzinfo=workcal.TZ)
    due = workcal.add_working_hours(friday_evening, 1, _weekdays).astimezone(workcal.TZ)
    assert (due.date(), due.hour, due.minute) == (date(2026, 11, 30), 9, 0)


def test_holidays_and_working_weekends_come_from_the_calendar_table(session):
    session.execute(text("INSERT INTO calendar_days (day, working, note) VALUES "
                         "('2026-12-01', false, '测试假日'), ('2026-12-05', true, '调休')"))
    rule = workcal.day_rule(session, date(2026, 11, 1))
    assert rule(date(2026, 12, 1)) is False and rule(date(2026, 12, 5)) is True
    start = datetime(2026, 11, 30, 10, 0, tzinfo=workcal.TZ)  # Monday
    due = workcal.add_working_days(start, 3, rule).astimezone(workcal.TZ)
    assert due.date() == date(2026, 12, 4)  # Tue is a holiday: Wed, Thu, Fri


def _demand(session, category: str, now: datetime) -> str:
    data = check_new_demand({"title": "超期", "category": category, **CITY_HALL})
    return demands.create_demand(session, data, RESIDENT, now=now)["code"]


def _state(session, code):
    return session.execute(text("SELECT overdue, escalation_level FROM demands WHERE code = :c"),
                           {"c": code}).one()


def test_overdue_escalates_to_street_then_district_and_is_idempotent(session):
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    code = _demand(session, "0501", start)  # 2 h emergency
    assert escalation.escalate_overdue(session, start + timedelta(hours=1)) == 0
    assert escalation.escalate_overdue(session, start + timedelta(hours=3)) >= 1
    assert tuple(_state(session, code)) == (True, 1)
    assert escalation.escalate_overdue(session, start + timedelta(hours=3, minutes=1)) == 0
    escalation.escalate_overdue(session, start + timedelta(hours=5))
    assert tuple(_state(session, code)) == (True, 2)
    assert escalation.escalate_overdue(session, start + timedelta(hours=6)) == 0
    events = session.execute(text(
        "SELECT payload->>'level' FROM demand_events e JOIN demands d ON d.id = e.demand_id "
        "WHERE d.code = :c AND e.action = 'escalate' ORDER BY e.id"), {"c": code}).scalars().all()
    assert events == ["street", "district"]


def test_closed_and_merged_demands_never_escalate(session):
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    code = _demand(session, "0501", start)
    session.execute(text("UPDATE demands SET state = 'closed' WHERE code = :c"), {"c": code})
    escalation.escalate_overdue(session, start + timedelta(days=3))
    assert tuple(_state(session, code)) == (False, 0)


def test_escalate_command_is_safe_to_run_repeatedly(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demands", "escalate"])
    second = runner.invoke(args=["demands", "escalate"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "0 " in second.output
