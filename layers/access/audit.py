"""The audit log (`audit_log`): who did or read what, one row per subject."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.access.actors import Actor

SUBJECT_MAX = 100  # audit_log.subject is varchar(100)
_INSERT = text("INSERT INTO audit_log (user_id, action, subject) VALUES (:u, :a, :s)")


def record(session: Session, actor: Actor, action: str, subjects: str | Iterable[str]) -> None:
    """Write one row per subject (cut to the column's length) for `actor`'s `action`, in one
    statement."""
    many = [subjects] if isinstance(subjects, str) else list(subjects)
    if many:
        session.execute(_INSERT, [{"u": actor.user_id, "a": action, "s": s[:SUBJECT_MAX]}
                                  for s in many])
