"""When each step of a demo demand's closed loop happens: drawn from the distributions a 12345
office would recognise (stated in layers/demo/backlog.py), cut off at `now`.

Deadlines come from layers/workcal.py exactly as the intake and the dispatch set them: the
category's time limit from the moment of filing, and 1 working hour to sign after dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from layers import workcal
from layers.workcal import TZ

P_ON_TIME = 0.92  # closed (结案) by the deadline (a few more fall late: weekend, late sign)
P_SIGN_IN_TIME = 0.90  # signed within the 1 working-hour sign limit
P_HELD = 0.15  # held at the desk for a call-back before dispatch (2–10 h)
P_RETURN = 0.05  # returned once by the first unit (回退), then dispatched again
P_REWORK = 0.06  # sent back once after resolving (返工)
P_STALLED = 0.02  # stall after dispatch or signing (disputes): overdue, escalated, claimable
P_RATED = 0.80  # residents reached by the call-back (回访) who rate
SATISFACTION = {"satisfied": 0.80, "basic": 0.12, "dissatisfied": 0.08}
SOLVED = {"satisfied": 0.97, "basic": 0.80, "dissatisfied": 0.35}
DESK_HOURS = (8, 22)  # the dispatch desk's local hours; later reports wait for the morning
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Draws:
    """One demand's random choices (drawn in a fixed order, so a seed gives the same plan)."""

    on_time: bool
    sign_in_time: bool
    held: bool
    returned: bool
    rework: bool
    stalled: bool
    rated: bool
    u: tuple[float, ...]  # uniform draws placing the steps


def draw(rng: np.random.Generator) -> Draws:
    """Return one demand's random choices."""
    r = rng.random(7)
    return Draws(bool(r[0] < P_ON_TIME), bool(r[1] < P_SIGN_IN_TIME), bool(r[2] < P_HELD),
                 bool(r[3] < P_RETURN), bool(r[4] < P_REWORK), bool(r[5] < P_STALLED),
                 bool(r[6] < P_RATED), tuple(rng.random(8).tolist()))


def rating(rng: np.random.Generator) -> dict:
    """Return a resident's rating: satisfaction by SATISFACTION, solved mostly with it."""
    satisfaction = str(rng.choice(list(SATISFACTION), p=list(SATISFACTION.values())))
    return {"solved": bool(rng.random() < SOLVED[satisfaction]), "satisfaction": satisfaction}


def _on_duty(at: datetime) -> datetime:
    """Return `at` when the desk and the units are on duty (DESK_HOURS local), else the next
    opening."""
    local = at.astimezone(TZ)
    if DESK_HOURS[0] <= local.hour < DESK_HOURS[1]:
        return at
    day = local.date() + timedelta(days=local.hour >= DESK_HOURS[1])
    return datetime(day.year, day.month, day.day, DESK_HOURS[0], tzinfo=TZ).astimezone(at.tzinfo)


def _dispatch_at(created: datetime, urgent: bool, d: Draws) -> datetime:
    """Return when the desk dispatches: emergencies at once, else within the desk's hours
    (about half an hour; a held one after a call-back of 2–10 h)."""
    if urgent:
        return created + timedelta(minutes=2 + 10 * d.u[0])
    opens = _on_duty(created)
    if opens > created:  # a night report: dispatched in the first 1.5 h of the morning
        return opens + timedelta(hours=1.5 * d.u[0])
    wait = 2 + 8 * d.u[0] if d.held else -0.5 * np.log(1 - d.u[0] * 0.99)
    return created + timedelta(hours=float(wait))


def _sign_at(dispatched: datetime, urgent: bool, d: Draws, cal: workcal.IsWorking) -> datetime:
    """Return when the unit signs: soon after dispatch while on duty, within the 1
    working-hour limit (as the dispatch sets it) when `d.sign_in_time`, else 10 min to 4 h
    after that limit."""
    if urgent:
        return dispatched + timedelta(minutes=3 + 12 * d.u[1])
    limit = workcal.add_working_hours(dispatched, 1, cal)
    if d.sign_in_time:
        soon = _on_duty(dispatched) + timedelta(hours=0.05 + 0.9 * d.u[1])
        return max(dispatched + MINUTE, min(soon, limit - MINUTE))
    return limit + timedelta(hours=0.17 + 3.8 * d.u[1])


def _close_at(created: datetime, deadline: datetime, after: datetime, d: Draws) -> datetime:
    """Return when the case is closed: before the deadline when `d.on_time` (and there is
    time left), else 5–80 % of the time limit after it."""
    if d.on_time and deadline - after > 20 * MINUTE:
        return after + (deadline - MINUTE - after) * (0.35 + 0.62 * d.u[2])
    late = deadline + (deadline - created) * (0.05 + 0.75 * d.u[2])
    return max(late, after + timedelta(hours=1))


def steps(created: datetime, deadline: datetime, urgent: bool, d: Draws,
          cal: workcal.IsWorking) -> list[tuple[str, datetime]]:
    """Return the demand's whole loop (dispatch … close) with its moments, in order."""
    dispatched = _dispatch_at(created, urgent, d)
    signed = _sign_at(dispatched, urgent, d, cal)
    closed = _close_at(created, deadline, signed, d)
    if signed > dispatched + (closed - dispatched) * 0.4:  # a short limit: sign sooner
        signed = dispatched + (closed - dispatched) * 0.4 * d.u[1]
    out = [("dispatch", dispatched)]
    if d.returned:
        gap = (signed - dispatched) / 3
        out += [("return", dispatched + gap), ("dispatch", dispatched + gap * 2)]
    if d.stalled:
        return out if d.u[3] < 0.5 else [*out, ("sign", signed)]
    work = closed - signed
    resolved = signed + work * (0.5 + 0.35 * d.u[4])
    out.append(("sign", signed))
    if d.rework:
        first = signed + work * (0.2 + 0.2 * d.u[5])
        out += [("resolve", first), ("rework", first + (resolved - first) * 0.3)]
    verified = resolved + (closed - resolved) * (0.3 + 0.5 * d.u[6])
    out += [("resolve", resolved), ("verify", verified), ("close", closed)]
    if d.rated:
        out.append(("rate", closed + timedelta(hours=2 + 46 * d.u[7])))
    return out


def until(loop: list[tuple[str, datetime]], now: datetime) -> list[tuple[str, datetime]]:
    """Return the steps of `loop` taken before `now` (a step waits for the ones before it)."""
    out = []
    for action, at in loop:
        if at >= now:
            break
        out.append((action, at))
    return out


def final_state(taken: list[tuple[str, datetime]]) -> str:
    """Return the state the taken steps lead to."""
    state = "received"
    targets = {"dispatch": "dispatched", "sign": "signed", "return": "received",
               "resolve": "resolved", "verify": "verified", "rework": "signed",
               "close": "closed"}
    for action, _ in taken:
        state = targets.get(action, state)
    return state
