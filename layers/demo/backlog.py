"""Demo backlog: a realistic set of demands over the last 60 days (late November: heating
first), filed through the intake and moved through the closed loop by the demo admin at the
times of a city office that mostly works (layers/demo/timeline.py draws them):

- dispatch: emergencies within minutes; other reports within about half an hour while the desk
  is open (08:00–22:00 local), 15 % held 2–10 h for a call-back, night reports next morning;
- sign: 90 % within the 1 working-hour sign limit, the rest 10 min to 4 h late;
- close: 92 % planned to close (结案) before the deadline (the category's limit as
  layers/workcal.py sets it; a night or weekend report signed late misses it: 90 % make it),
  the rest 5–80 % of the limit late; 2 % stall after dispatch or signing (disputes) and go
  overdue (escalated, claimable on the board);
- returns 5 % (回退, then dispatched to the next candidate), rework 6 % (返工);
- ratings: 80 % of closed demands rated 2–48 h after closing: 80 % satisfied, 12 % basically
  satisfied, 8 % dissatisfied (solved 97 %, 80 %, 35 % of them).

With the demo seed this gives (measured after a fresh `flask demo load`): 90 % of closed
demands closed on time, an on-time rate (按期结案率, the board's: closed on time ÷ (closed +
open overdue)) of about 88 %, 93 % signed in time (响应) and a satisfaction rate (满意率) of
about 92 %. A demand's state is wherever its loop has got to at `now`: the recent ones are
still waiting, in hand or awaiting verification; about 2 % are overdue.

Deterministic for a seed, a fixed `now` and the same members and categories. Reporter names
and phones are invented. Their 整改前/整改后 photos: layers/demo/photos.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from grids.locate import GridIndex
from layers import workcal
from layers.access.actors import Actor
from layers.demands import escalation, intake, transitions
from layers.demands.dispatch import candidates
from layers.demands.fields import DemandInput
from layers.demo import timeline
from layers.demo.backlog_text import CATEGORY_WEIGHTS, RESOLVE_NOTES, SOURCE_WEIGHTS, title_for
from layers.demo.people import GIVEN, SURNAMES, points_in
from layers.workcal import TZ

DAYS = 60
RECENT = 25.0  # days: scale of the recency weighting of reports
DISTRICT_WEIGHTS = {"230903": 1.6, "230902": 1.0, "230904": 1.0, "230921": 0.7}
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 9, 10, 10, 10, 9, 8, 8, 7, 6,
                         4, 3, 2], dtype=float)


@dataclass
class Planned:
    """One demand to file, the steps of its loop taken before `now`, and its rating."""

    created: datetime
    data: DemandInput
    final: str
    deadline: datetime  # as the intake sets it (layers/workcal.py)
    steps: list[tuple[str, datetime]] = field(default_factory=list)
    rating: dict | None = None


def has_demands(session: Session) -> bool:
    """Return True when any demand is stored."""
    return bool(session.execute(text("SELECT EXISTS (SELECT 1 FROM demands)")).scalar())


def admin_actor(session: Session) -> Actor:
    """Return the demo admin (user 'admin', else the first active admin) as an Actor."""
    row = session.execute(text(
        "SELECT id, display_name FROM users WHERE role = 'admin' AND active "
        "ORDER BY name <> 'admin', id LIMIT 1")).first()
    if row is None:
        raise LookupError("no admin user: create the demo users first")
    return Actor(role="admin", user_id=row.id, name=row.display_name, personal_data=True)


def _grids(session: Session) -> tuple[list[str], dict[str, str], np.ndarray]:
    """Return grid codes (ordered), community names by grid, and a weight per grid."""
    rows = session.execute(text(
        "SELECT g.code, c.name, coalesce(g.population, 1000) AS pop FROM grids g "
        "JOIN communities c ON c.code = g.community_code WHERE g.valid_to IS NULL "
        "ORDER BY g.code")).all()
    weights = np.array([r.pop * DISTRICT_WEIGHTS.get(r.code[:6], 1.0) for r in rows], float)
    return [r.code for r in rows], {r.code: r.name for r in rows}, weights / weights.sum()


def _categories(session: Session) -> tuple[list[dict], np.ndarray]:
    """Return the active small classes (by code) and their weights (heating season)."""
    rows = [dict(r) for r in session.execute(text(
        "SELECT code, name, limit_amount, limit_unit, urgent FROM categories "
        "WHERE parent_code IS NOT NULL AND active ORDER BY code")).mappings()]
    weights = np.array([CATEGORY_WEIGHTS.get(r["code"], 0.3 if r["urgent"] else 1.0)
                        for r in rows], float)
    return rows, weights / weights.sum()


def _created_times(rng: np.random.Generator, n: int, now: datetime) -> list[datetime]:
    """Return n creation times over the last DAYS days (more recent ones more often), by
    local hour of day, sorted."""
    today = now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    # Truncated exponential: reports rise as the heating season goes on.
    days = np.floor(-RECENT * np.log(1 - rng.random(n) * (1 - np.exp(-DAYS / RECENT))))
    hours = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minutes = rng.uniform(0, 60, n)
    out = []
    for d, h, m in zip(days, hours, minutes, strict=True):
        at = today - timedelta(days=int(d)) + timedelta(hours=int(h), minutes=float(m))
        out.append((at if at < now - timedelta(minutes=5) else at - timedelta(days=1))
                   .astimezone(UTC))
    return sorted(out)


def _reporter(rng: np.random.Generator) -> tuple[str | None, str | None]:
    """Return an invented (name, phone) for about half of the reports, else (None, None)."""
    if rng.random() >= 0.5:
        return None, None
    name = str(rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN, int(rng.integers(1, 3))))
    phone = f"1{rng.choice(['38', '39', '58', '86', '87'])}{int(rng.integers(0, 10**8)):08d}"
    return name, phone


def plan(session: Session, rng: np.random.Generator, n: int, now: datetime) -> list[Planned]:
    """Return n planned demands in creation order (points inside grids, WGS84)."""
    codes, community, gweights = _grids(session)
    cats, cweights = _categories(session)
    index = GridIndex.load(session)
    geom_of = dict(zip(index.codes, index.geoms, strict=True))
    chosen = [codes[i] for i in rng.choice(len(codes), n, p=gweights)]
    xy = points_in(np.array([geom_of[c] for c in chosen], dtype=object), rng)
    created = _created_times(rng, n, now)
    cal = workcal.day_rule(session, (now - timedelta(days=DAYS + 2)).date(), DAYS + 90)
    sources = list(SOURCE_WEIGHTS)
    sp = np.array(list(SOURCE_WEIGHTS.values()), float)
    out = []
    for i in range(n):
        cat = cats[int(rng.choice(len(cats), p=cweights))]
        name, phone = _reporter(rng)
        address = f"{community[chosen[i]]}{rng.integers(1, 40)}号楼{rng.integers(1, 7)}单元"
        data = DemandInput(
            title=title_for(cat["code"], cat["name"], rng), description="", source=str(
                rng.choice(sources, p=sp / sp.sum())), category_code=cat["code"],
            lon=float(xy[i, 0]), lat=float(xy[i, 1]), crs="wgs84", grid_code=None,
            address=address, reporter_name=name, reporter_phone=phone)
        out.append(_planned(rng, created[i], data, cat, cal, now))
    return out


def _planned(rng: np.random.Generator, created: datetime, data: DemandInput, cat: dict,
             cal: workcal.IsWorking, now: datetime) -> Planned:
    """Return one demand's plan: its loop (timeline.steps) cut off at `now`, and its rating."""
    due = workcal.deadline(created, cat["limit_amount"], cat["limit_unit"], cal)
    draws = timeline.draw(rng)
    rating = timeline.rating(rng)
    taken = timeline.until(timeline.steps(created, due, bool(cat["urgent"]), draws, cal), now)
    return Planned(created, data, timeline.final_state(taken), due, taken,
                   rating if any(a == "rate" for a, _ in taken) else None)


def _dispatch_body(session: Session, code: str, at: datetime, again: bool) -> dict:
    """Return the dispatch body: the first responsible candidate (the second after a
    return), or the rule's target when there is none."""
    ranked = [c for c in candidates.candidates(session, code, 3, at)["candidates"]
              if c["responsible"]]
    pick = ranked[1:2] if again else ranked[:1]
    return {"to": {"member": pick[0]["member_id"]}} if pick else {}


def _body(session: Session, code: str, action: str, p: Planned, at: datetime,
          rng: np.random.Generator, dispatched: int) -> dict:
    """Return the transition body (with its note) for one planned action."""
    if action == "dispatch":
        return _dispatch_body(session, code, at, dispatched > 0)
    if action == "return":
        return {"note": "非本单位职责，退回重新派遣"}
    if action == "resolve":
        return {"note": str(rng.choice(RESOLVE_NOTES))}
    if action == "rework":
        return {"note": "居民反映问题未彻底解决，返工"}
    if action == "rate":
        return dict(p.rating or {})
    return {}


def _carry_out(session: Session, p: Planned, admin: Actor, rng: np.random.Generator) -> str:
    """File one planned demand and take its actions as the admin; return its final state."""
    created = intake.file_demand(session, p.data, admin, now=p.created)
    state, code, dispatched = created["state"], created["code"], 0
    if state == "merged":
        return state
    for action, at in p.steps:
        if action == "dispatch" and state == "dispatched":
            dispatched += 1  # auto-dispatched on intake
            continue
        body = _body(session, code, action, p, at, rng, dispatched)
        state = transitions.apply(session, code, action, admin, body, now=at)["state"]
        dispatched += action == "dispatch"
    return state


def load(session: Session, seed: int, n: int = 1500, now: datetime | None = None) -> int:
    """File n demo demands over the last 60 days and move them through their states, then
    escalate the overdue ones; return how many were filed. Flushed, not committed."""
    now = now or datetime.now(UTC)
    rng = np.random.default_rng(seed)
    admin = admin_actor(session)
    for p in plan(session, rng, n, now):
        _carry_out(session, p, admin, rng)
    escalation.escalate_overdue(session, now)
    return n
