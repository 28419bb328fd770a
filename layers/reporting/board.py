"""The public board (晒单): each community's figures and demands, public fields only.

Nothing here ever selects reporter_name or reporter_phone: the board is public.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers import workcal
from layers.demands import labels
from layers.demands.photos import photos_for
from layers.demands.store import OPEN_STATES
from layers.demands.transitions import RULES

Period = tuple[datetime | None, datetime | None]
COUNTS = ("received", "resolved", "closed", "closed_on_time", "open_overdue", "rated",
          "satisfied")
_OPEN = "('" + "', '".join(OPEN_STATES) + "')"
_CLAIMABLE = "('" + "', '".join(sorted(RULES["claim"].sources)) + "')"

_FIGURES = f"""
WITH agg AS (
    SELECT left(d.grid_code, 12) AS code,
           count(*) AS received,
           count(*) FILTER (WHERE d.state IN ('resolved', 'verified', 'closed')) AS resolved,
           count(*) FILTER (WHERE d.state = 'closed') AS closed,
           count(*) FILTER (WHERE d.state = 'closed' AND d.closed_at <= d.deadline)
               AS closed_on_time,
           count(*) FILTER (WHERE d.state IN {_OPEN} AND d.deadline < :now) AS open_overdue,
           count(d.rating_satisfaction) AS rated,
           count(*) FILTER (WHERE d.rating_satisfaction IN ('satisfied', 'basic')) AS satisfied
    FROM demands d
    WHERE d.state <> 'merged' AND d.grid_code LIKE :prefix
      AND d.created_at >= coalesce(CAST(:since AS timestamptz), '-infinity')
      AND d.created_at < coalesce(CAST(:until AS timestamptz), 'infinity')
    GROUP BY 1
)
SELECT c.code, c.name, s.code AS street_code, s.name AS street_name,
       t.code AS district_code, t.name AS district_name,
       {", ".join(f"coalesce(agg.{k}, 0) AS {k}" for k in COUNTS)}
FROM communities c JOIN streets s ON s.code = c.street_code
JOIN districts t ON t.code = s.district_code
LEFT JOIN agg ON agg.code = c.code
WHERE c.code LIKE :prefix
ORDER BY c.code
"""

_ITEMS = f"""
SELECT d.id, d.code, d.title, c.name AS category_name, d.state, d.grid_code,
       (d.created_at AT TIME ZONE 'Asia/Shanghai')::date AS created_date,
       EXTRACT(EPOCH FROM (coalesce(d.closed_at, :now) - d.created_at)) / 86400.0 AS days,
       (d.state IN {_OPEN} AND d.deadline < :now) AS overdue,
       (d.overdue AND d.state IN {_CLAIMABLE}) AS claimable,
       CASE WHEN d.state = 'closed' THEN d.closed_at <= d.deadline END AS on_time,
       (SELECT count(*) FROM demands m WHERE m.duplicate_of = d.id) AS joined_residents
FROM demands d JOIN categories c ON c.code = d.category_code
WHERE d.state <> 'merged' AND d.grid_code LIKE :prefix
ORDER BY (d.state IN {_OPEN} AND d.deadline < :now) DESC, d.created_at DESC, d.id DESC
LIMIT :limit OFFSET :offset
"""


def local_period(start: date | None, end: date | None) -> Period:
    """Return UTC bounds [start 00:00, day after end 00:00) of Asia/Shanghai dates (inclusive)."""
    lo = datetime.combine(start, time(), workcal.TZ).astimezone(UTC) if start else None
    hi = (datetime.combine(end + timedelta(days=1), time(), workcal.TZ).astimezone(UTC)
          if end else None)
    return lo, hi


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def with_rates(row: dict) -> dict:
    """Return `row` with on_time_rate and satisfaction_rate (0–1, None when undefined).

    按期结案率 (on-time rate) = closed on time / due to close, where "due to close" is every
    closed demand plus every open one past its deadline (DESIGN §4: closed on time / (due to
    close − postponed); there is no postponement yet). 满意率 (satisfaction rate) =
    (satisfied + basically satisfied) / rated.
    """
    out = dict(row)
    out["on_time_rate"] = _rate(row["closed_on_time"], row["closed"] + row["open_overdue"])
    out["satisfaction_rate"] = _rate(row["satisfied"], row["rated"])
    return out


def community_figures(session: Session, community_code: str | None = None,
                      period: Period | None = None, within: str | None = None,
                      now: datetime | None = None) -> list[dict]:
    """Return per community: name, street, district, counts and rates (see `with_rates`).

    received = non-merged demands created in `period`; resolved = resolved, verified or closed;
    rates are None (shown as "—") when their denominator is 0. `community_code` picks one
    community, `within` a district/street prefix; unknown codes give an empty list.
    """
    since, until = period or (None, None)
    prefix = (community_code or within or "") + "%"
    rows = session.execute(
        text(_FIGURES), {"prefix": prefix, "since": since, "until": until,
                         "now": now or datetime.now(UTC)}).mappings()
    return [with_rates(dict(r)) for r in rows]


def totals(rows: list[dict]) -> dict:
    """Return the summed counts of figure rows, with their rates."""
    return with_rates({k: sum(r[k] for r in rows) for k in COUNTS})


def by_street(rows: list[dict]) -> list[dict]:
    """Return figure rows grouped by street (in code order), each group with its totals."""
    groups: dict[str, dict] = {}
    for r in rows:
        g = groups.setdefault(r["street_code"], {
            "street_code": r["street_code"], "street_name": r["street_name"],
            "district_code": r["district_code"], "district_name": r["district_name"],
            "communities": []})
        g["communities"].append(r)
    for g in groups.values():
        g["totals"] = totals(g["communities"])
    return list(groups.values())


def count_items(session: Session, community_code: str) -> int:
    """Return how many non-merged demands the community's board lists."""
    return session.execute(
        text("SELECT count(*) FROM demands WHERE state <> 'merged' AND grid_code LIKE :p"),
        {"p": community_code + "%"}).scalar_one()


def board_items(session: Session, community_code: str, page: int = 1, per_page: int = 20,
                now: datetime | None = None) -> list[dict]:
    """Return a page of the community's demands (open overdue first, then newest) with public
    fields only: code, title, category, state and label, grid, created date (local), days
    taken (one decimal), overdue, claimable (认领), on time, joined residents, photos."""
    rows = session.execute(
        text(_ITEMS), {"prefix": community_code + "%", "now": now or datetime.now(UTC),
                       "limit": per_page, "offset": (page - 1) * per_page}).mappings()
    items = [dict(r) for r in rows]
    photos = _photos(session, [i["id"] for i in items])
    for item in items:
        item["state_label"] = labels.state_label(item["state"])
        item["days_taken"] = round(float(item.pop("days")), 1)
        item["photos"] = _public_photos(photos.get(item.pop("id"), []))
    return items


def _photos(session: Session, ids: list[int]) -> dict[int, list[dict]]:
    """Return {demand id: photos} of the demands (none for no ids)."""
    return photos_for(session, ids) if ids else {}


def _public_photos(photos: list[dict]) -> dict[str, list[dict]]:
    """Return the before/after photos (URLs only) of one demand."""
    out: dict[str, list[dict]] = {"before": [], "after": []}
    for p in photos:
        if p.get("kind") in out:
            out[p["kind"]].append({"url": p.get("url"), "thumb_url": p.get("thumb_url")})
    return out


def community_of_demand(session: Session, demand_code: str) -> str | None:
    """Return the community code of a demand, or None when the code is unknown."""
    return session.execute(text("SELECT left(grid_code, 12) FROM demands WHERE code = :c"),
                           {"c": demand_code}).scalar()
