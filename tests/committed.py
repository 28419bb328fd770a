"""Removing what a test committed to the shared test database (browser and thread tests)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session


def remove(engine: Engine, codes: Sequence[str] = (), member_ids: Sequence[int] = (),
           user_names: Sequence[str] = ()) -> None:
    """Delete demands `codes` (with events, photos, idempotency keys), members and users."""
    with Session(engine) as s:
        s.execute(text("SET LOCAL session_replication_role = replica"))  # events are append-only
        ids = "SELECT id FROM demands WHERE code = ANY(:c)"
        for table in ("demand_photos", "demand_events"):
            s.execute(text(f"DELETE FROM {table} WHERE demand_id IN ({ids})"), {"c": list(codes)})
        s.execute(text("DELETE FROM idempotency_keys WHERE response->>'code' = ANY(:c)"),
                  {"c": list(codes)})
        s.execute(text("DELETE FROM demands WHERE code = ANY(:c)"), {"c": list(codes)})
        s.execute(text("DELETE FROM members WHERE id = ANY(:m)"), {"m": list(member_ids)})
        users = "SELECT id FROM users WHERE name = ANY(:u)"
        for table in ("audit_log", "api_tokens"):
            s.execute(text(f"DELETE FROM {table} WHERE user_id IN ({users})"),
                      {"u": list(user_names)})
        s.execute(text("DELETE FROM users WHERE name = ANY(:u)"), {"u": list(user_names)})
        s.commit()
