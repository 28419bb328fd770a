"""Results of a round per unit (votes, mean per dimension and overall on the 1–5 scale, the
百分制, too few votes flagged), the report for each unit's superior, and the departments'
figures over a half-year's closed rounds for their assessment."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from layers.access import policy
from layers.access.actors import Actor
from layers.evaluations import catalog, rounds
from layers.evaluations.tables import ROUNDS, SCORES, SHEETS

_J = SCORES.join(SHEETS, SHEETS.c.id == SCORES.c.sheet_id)


def _dimension_means(session: Session, round_ids: list[int]) -> dict:
    """Return {(unit, dimension): mean} and {unit: overall mean} over the rounds' scores."""
    means: dict = {}
    rows = session.execute(
        select(SHEETS.c.unit_code, SCORES.c.dimension, func.avg(SCORES.c.score))
        .select_from(_J).where(SHEETS.c.round_id.in_(round_ids))
        .group_by(SHEETS.c.unit_code, SCORES.c.dimension))
    for unit, dim, mean in rows:
        means[(unit, dim)] = float(mean)
    overall = dict(session.execute(
        select(SHEETS.c.unit_code, func.avg(SCORES.c.score)).select_from(_J)
        .where(SHEETS.c.round_id.in_(round_ids)).group_by(SHEETS.c.unit_code)).all())
    return means, {k: float(v) for k, v in overall.items()}


def _votes(session: Session, round_ids: list[int]) -> dict[str, dict[str, int]]:
    """Return {unit: {'total', 'staff', 'ballot'}} sheets counted over the rounds."""
    rows = session.execute(
        select(SHEETS.c.unit_code, func.count(),
               func.count().filter(SHEETS.c.source == "staff"))
        .where(SHEETS.c.round_id.in_(round_ids)).group_by(SHEETS.c.unit_code))
    return {u: {"total": t, "staff": s, "ballot": t - s} for u, t, s in rows}


def unit_rows(session: Session, found: dict) -> list[dict]:
    """Return one row per unit of a round, in the round's order, with its figures and rank
    (units with fewer than min_votes unranked)."""
    means, overall = _dimension_means(session, [found["id"]])
    votes = _votes(session, [found["id"]])
    out = []
    for u in found["units"]:
        v = votes.get(u["code"], {"total": 0, "staff": 0, "ballot": 0})
        mean = overall.get(u["code"])
        out.append({**u, "votes": v["total"], "staff_votes": v["staff"],
                    "ballot_votes": v["ballot"],
                    "dimensions": {d["key"]: _round2(means.get((u["code"], d["key"])))
                                   for d in found["dimensions"]},
                    "mean": _round2(mean), "score": catalog.hundred(mean),
                    "few_votes": v["total"] < found["min_votes"]})
    ranked = sorted((r for r in out if not r["few_votes"] and r["mean"] is not None),
                    key=lambda r: -r["score"])
    for place, r in enumerate(ranked, start=1):
        r["rank"] = place
    return out


def _round2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def results(session: Session, actor: Actor, round_id: int) -> dict:
    """Return {round, units} for a round the actor may view (see unit_rows)."""
    found = rounds.get_round(session, actor, round_id)
    return {"round": found, "units": unit_rows(session, found), "scale": catalog.SCALE}


def report(session: Session, actor: Actor, round_id: int) -> dict:
    """Return the results grouped by each unit's superior (街道 for communities, 区委区政府
    for departments), the shape of the report each superior is sent."""
    data = results(session, actor, round_id)
    groups: dict[str, dict] = {}
    for row in data["units"]:
        g = groups.setdefault(row["superior_code"], {
            "code": row["superior_code"], "name": row["superior_name"], "units": []})
        g["units"].append(row)
    return {**data, "superiors": list(groups.values())}


def department_assessment(session: Session, actor: Actor, period: str) -> list[dict]:
    """Return each department's residents' evaluation over the period's closed department
    rounds (all districts): votes, mean per dimension and overall, 百分制, rounds counted —
    the figure its assessment takes (评议结果纳入对职能部门考核)."""
    policy.require(actor, "evaluations.view")
    closed = session.execute(select(ROUNDS.c.id, ROUNDS.c.units).where(
        ROUNDS.c.kind == catalog.DEPARTMENT, ROUNDS.c.period == period,
        ROUNDS.c.state == "closed")).all()
    ids = [r.id for r in closed]
    if not ids:
        return []
    names, counted = {}, defaultdict(int)
    for r in closed:
        for u in r.units:
            names[u["code"]] = u["name"]
            counted[u["code"]] += 1
    means, overall = _dimension_means(session, ids)
    votes = _votes(session, ids)
    dims = catalog.DIMENSIONS[catalog.DEPARTMENT]
    return [{"code": code, "name": name, "rounds": counted[code],
             "votes": votes.get(code, {}).get("total", 0),
             "dimensions": {d["key"]: _round2(means.get((code, d["key"]))) for d in dims},
             "mean": _round2(overall.get(code)), "score": catalog.hundred(overall.get(code))}
            for code, name in sorted(names.items())]


