"""Removing what a bench added to the served (shared) database: demands, members, a user.

Others may use the served database during a run (file demands that join a bench demand as
duplicates, get dispatched to a bench member). Rows somebody else's rows refer to are kept
(members are deactivated) and reported, never deleted under them.

Demand events are append-only, and a member delete would make PostgreSQL check the demands
for each member (no full index on the member columns): those deletes run with triggers off in
one transaction only (SET LOCAL session_replication_role = replica), references checked here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from layers.workcal import TZ

_REFERENCES = text(
    "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c JOIN pg_attribute a "
    "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
    "WHERE c.confrelid = CAST(:t AS regclass) AND c.contype = 'f' ORDER BY 1, 2")


def _referenced(session: Session, table: str, ids: list[int], skip: set[str]) -> set[int]:
    """Return those of `ids` (rows of `table`) that rows of other tables or other rows of
    the same table refer to, ignoring the referencing tables in `skip`."""
    found: set[int] = set()
    for ref, column in session.execute(_REFERENCES, {"t": table}).all():
        if ref in skip:
            continue
        others = " AND NOT (id = ANY(:i))" if ref == table else ""
        found |= set(session.execute(text(
            f"SELECT DISTINCT {column} FROM {ref} WHERE {column} = ANY(:i){others}"),
            {"i": ids}).scalars())
    return found


def counter_today(session: Session) -> int | None:
    """Return today's demand code counter (Asia/Shanghai day), None when unset."""
    day = datetime.now(UTC).astimezone(TZ).date()
    return session.execute(text("SELECT last FROM demand_counters WHERE day = :d"),
                           {"d": day}).scalar()


def _drop_members(session: Session, member_ids: list[int]) -> tuple[int, int]:
    """Delete the members and their child rows (replica-mode transaction); deactivate those a
    demand refers to. Return (deleted, deactivated)."""
    children = [(t, c) for t, c in session.execute(_REFERENCES, {"t": "members"}).all()
                if t != "demands"]
    keep = _referenced(session, "members", member_ids, {t for t, _ in children})
    gone = [m for m in member_ids if m not in keep]
    for table, column in children:
        session.execute(text(f"DELETE FROM {table} WHERE {column} = ANY(:m)"), {"m": gone})
    session.execute(text("DELETE FROM members WHERE id = ANY(:m)"), {"m": gone})
    session.execute(text("UPDATE members SET active = false, on_duty = false "
                         "WHERE id = ANY(:m)"), {"m": list(keep)})
    return len(gone), len(keep)


def _drop_user(session: Session, user_id: int | None) -> str:
    """Delete the bench user with its tokens, or deactivate it when rows still refer to it."""
    if user_id is None:
        return "no user"
    if _referenced(session, "users", [user_id], {"api_tokens"}):
        session.execute(text("UPDATE users SET active = false WHERE id = :u"), {"u": user_id})
        session.execute(text("UPDATE api_tokens SET revoked = true WHERE user_id = :u"),
                        {"u": user_id})
        return "user deactivated"
    session.execute(text("DELETE FROM users WHERE id = :u"), {"u": user_id})
    return "user deleted"


def _restore_counter(session: Session, before: int | None, added: int) -> None:
    """Set today's code counter back when nobody else filed a demand during the run."""
    day = datetime.now(UTC).astimezone(TZ).date()
    if added and counter_today(session) == (before or 0) + added:
        sql = ("DELETE FROM demand_counters WHERE day = :d" if before is None else
               "UPDATE demand_counters SET last = :b WHERE day = :d")
        session.execute(text(sql), {"d": day, "b": before})


def clean_up(session: Session, codes: list[str], member_ids: list[int], user_id: int | None,
             counter: tuple[int | None, int]) -> str:
    """Remove the bench's demands (with events), members, user; return what was done."""
    session.rollback()
    ids = list(session.execute(text("SELECT id FROM demands WHERE code = ANY(:c)"),
                               {"c": codes}).scalars())
    kept = _referenced(session, "demands", ids, {"demand_events"})
    gone = [i for i in ids if i not in kept]
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text("DELETE FROM demand_events WHERE demand_id = ANY(:i)"), {"i": gone})
    session.execute(text("DELETE FROM audit_log WHERE user_id = :u"), {"u": user_id})
    deleted, deactivated = _drop_members(session, member_ids)
    session.commit()  # the replica setting ends with this transaction
    session.execute(text("DELETE FROM demands WHERE id = ANY(:i)"), {"i": gone})
    user = _drop_user(session, user_id)
    _restore_counter(session, *counter)
    session.commit()
    return (f"cleaned up: {len(gone)} demands ({len(kept)} kept: others' demands refer to "
            f"them), {deleted} members ({deactivated} deactivated), {user}")


TOUCHED = ("members", "member_grids", "member_positions", "demands", "demand_events",
           "demand_counters", "users", "api_tokens", "audit_log")


def vacuum(engine: Engine, tables: tuple[str, ...] = TOUCHED) -> None:
    """VACUUM (ANALYZE) the tables a bench wrote to: the served database may run without
    autovacuum, and a bench's deleted rows would otherwise slow every later query."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM (ANALYZE) {', '.join(tables)}"))
