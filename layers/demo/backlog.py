"""Demo backlog: a realistic set of demands over the last 60 days (late November: heating
first), filed through the intake and moved through the closed loop by the demo admin at
plausible later times — some still waiting, some overdue, most closed and rated.

Deterministic for a seed, a fixed `now` and the same members and categories. Reporter names
and phones are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from grids.locate import GridIndex
from layers.access.actors import Actor
from layers.demands import escalation, intake, transitions
from layers.demands.dispatch import candidates
from layers.demands.fields import DemandInput
from layers.demo.backlog_text import CATEGORY_WEIGHTS, RESOLVE_NOTES, SOURCE_WEIGHTS, title_for
from layers.demo.people import GIVEN, SURNAMES, points_in
from layers.workcal import TZ

DAYS = 60
RECENT = 25.0  # days: scale of the recency weighting of reports
DISTRICT_WEIGHTS = {"230903": 1.6, "230902": 1.0, "230904": 1.0, "230921": 0.7}
# Final states, most advanced first (older demands tend to be further along).
FINAL_MIX = (("closed", 0.42), ("verified", 0.05), ("resolved", 0.08), ("signed", 0.20),
             ("dispatched", 0.10), ("received", 0.15))
STEPS = ("dispatch", "sign", "resolve", "verify", "close")
DEPTH = {"received": 0, "dispatched": 1, "signed": 2, "resolved": 3, "verified": 4, "closed": 5}
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 9, 10, 10, 10, 9, 8, 8, 7, 6,
                         4, 3, 2], dtype=float)


@dataclass
class Planned:
    """One demand to file and where it should end up."""

    created: datetime
    data: DemandInput
    final: str
    limit_h: float
    returned: bool = False
    rework: bool = False
    rating: dict | None = None
    steps: list[tuple[str, float]] = field(default_factory=list)


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


def _finals(rng: np.random.Generator, created: list[datetime], now: datetime) -> list[str]:
    """Return each demand's final state: the mix of FINAL_MIX, older ones further along."""
    age = np.array([(now - c).total_seconds() / 86400 / DAYS for c in created])
    order = np.argsort(-(age + rng.normal(0, 0.25, len(created))), kind="stable")
    bounds = np.cumsum([share for _, share in FINAL_MIX]) * len(created)
    finals = [""] * len(created)
    for rank, i in enumerate(order):
        finals[i] = FINAL_MIX[int(np.searchsorted(bounds, rank, side="right"))][0]
    return finals


def _limit_hours(cat: dict) -> float:
    """Return a category's time limit in calendar hours (working days ≈ 1.4 calendar days)."""
    if cat["limit_unit"] == "hours":
        return float(cat["limit_amount"])
    return cat["limit_amount"] * 24 * 1.4


def _reporter(rng: np.random.Generator) -> tuple[str | None, str | None]:
    """Return an invented (name, phone) for about half of the reports, else (None, None)."""
    if rng.random() >= 0.5:
        return None, None
    name = str(rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN, int(rng.integers(1, 3))))
    phone = f"1{rng.choice(['38', '39', '58', '86', '87'])}{int(rng.integers(0, 10**8)):08d}"
    return name, phone


def _rating(rng: np.random.Generator) -> dict | None:
    """Return a resident's rating for a closed demand (about 80% rate)."""
    if rng.random() >= 0.8:
        return None
    solved = bool(rng.random() < 0.86)
    p = (0.70, 0.25, 0.05) if solved else (0.05, 0.35, 0.60)
    return {"solved": solved,
            "satisfaction": str(rng.choice(["satisfied", "basic", "dissatisfied"], p=p))}


def plan(session: Session, rng: np.random.Generator, n: int, now: datetime) -> list[Planned]:
    """Return n planned demands in creation order (points inside grids, WGS84)."""
    codes, community, gweights = _grids(session)
    cats, cweights = _categories(session)
    index = GridIndex.load(session)
    geom_of = dict(zip(index.codes, index.geoms, strict=True))
    chosen = [codes[i] for i in rng.choice(len(codes), n, p=gweights)]
    xy = points_in(np.array([geom_of[c] for c in chosen], dtype=object), rng)
    created = _created_times(rng, n, now)
    finals = _finals(rng, created, now)
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
        p = Planned(created[i], data, finals[i], _limit_hours(cat),
                    returned=bool(rng.random() < 0.05), rework=bool(rng.random() < 0.08))
        p.rating = _rating(rng) if p.final == "closed" else None
        p.steps = _steps(rng, p, now)
        out.append(p)
    return out


def _steps(rng: np.random.Generator, p: Planned, now: datetime) -> list[tuple[str, float]]:
    """Return the actions after filing with their offsets (hours after creation), all before
    `now`: squeezed into the time available when the plan would run past it."""
    depth = DEPTH[p.final]
    actions = list(STEPS[:depth])
    if p.returned and depth >= 1:
        actions[1:1] = ["return", "dispatch"]
    if p.rework and depth >= 4:
        at = actions.index("resolve") + 1
        actions[at:at] = ["rework", "resolve"]
    if p.rating:
        actions.append("rate")
    mean = {"dispatch": 3, "return": 2, "sign": 0.8, "rework": 6, "verify": 8, "close": 10,
            "rate": 24}
    gaps = [p.limit_h * rng.uniform(0.1, 1.3) if a == "resolve" else rng.exponential(mean[a])
            for a in actions]
    total, room = sum(gaps), (now - p.created).total_seconds() / 3600 * 0.95
    if total > room:
        gaps = [g * room / total for g in gaps]
    return list(zip(actions, np.cumsum(gaps).tolist(), strict=True))


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
    for action, hours in p.steps:
        if action == "dispatch" and state == "dispatched":
            dispatched += 1  # auto-dispatched on intake
            continue
        at = p.created + timedelta(hours=hours)
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
