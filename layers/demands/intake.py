"""Filing a demand (制单), then dispatching it at once when its category says so."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from layers.access.actors import Actor
from layers.demands import store as demands
from layers.demands import taxonomy, transitions
from layers.demands.dispatch import candidates
from layers.demands.escalation import SYSTEM
from layers.demands.fields import DemandInput
from layers.demands.rules import DEFAULT_RULES, Rules
from layers.riders import contributions as riders


def file_demand(session: Session, data: DemandInput, actor: Actor,
                rules: Rules = DEFAULT_RULES, now: datetime | None = None) -> dict:
    """Create the demand (linked to the acting rider, if any); auto-dispatch categories go to
    the first responsible candidate."""
    now = now or datetime.now(UTC)
    rider = riders.rider_of_user(session, actor.user_id)  # a logged-in rider's report
    created, cat = demands.insert_demand(session, data, actor, rules, now, rider)
    if rider is not None:
        created["reporter_member_id"] = rider
    if created["state"] == "received" and cat["auto_dispatch"]:  # no row lock otherwise
        dispatched = auto_dispatch(session, created["code"], now)
        if dispatched is not None:
            created.update({k: v for k, v in dispatched.items() if k in created})
    return created


def auto_dispatch(session: Session, code: str, now: datetime) -> dict | None:
    """Dispatch a received demand of an auto-dispatch category to its first responsible
    candidate, as the system; return the demand after it, or None when not applicable."""
    d = transitions.lock(session, code)
    if d["state"] != "received" or not taxonomy.category(session, d["category_code"])[
            "auto_dispatch"]:
        return None
    ranked = [c for c in candidates.candidates(session, code, 5, now)["candidates"]
              if c["responsible"]]
    if not ranked:
        return None
    body = {"to": {"member": ranked[0]["member_id"]}}
    return transitions.perform(session, d, "dispatch", SYSTEM, body, "自动派单", now)
