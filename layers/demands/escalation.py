"""Overdue demands: flag them and escalate one level (community → street → district)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.access.actors import Actor
from layers.demands import events

SYSTEM = Actor(role="system", name="系统")
LEVELS = {1: "street", 2: "district"}

# Level 1 (street) once past the deadline; level 2 (district) once past it by the time limit
# again. The target level depends only on the clock, so running this every minute is safe.
_ESCALATE = text(
    """
    UPDATE demands d SET overdue = true, escalation_level = t.level
    FROM (
        SELECT id, CASE WHEN :now > deadline + (deadline - created_at) THEN 2 ELSE 1 END
               AS level
        FROM demands
        WHERE state NOT IN ('closed', 'merged') AND deadline < :now
    ) AS t
    WHERE d.id = t.id AND (NOT d.overdue OR d.escalation_level < t.level)
    RETURNING d.id, d.state, d.escalation_level, d.grid_code
    """
)


def escalate_overdue(session: Session, now: datetime | None = None) -> int:
    """Flag overdue open demands and raise their escalation level; return how many changed."""
    now = now or datetime.now(UTC)
    rows = session.execute(_ESCALATE, {"now": now}).all()
    for demand_id, state, level, grid_code in rows:
        above = grid_code[:9] if level == 1 else grid_code[:6]
        events.append(session, demand_id, "escalate", state, state, SYSTEM,
                      note=f"超期，升级至{'街道' if level == 1 else '区'}督办",
                      payload={"level": LEVELS[level], "to": above}, at=now)
    return len(rows)
