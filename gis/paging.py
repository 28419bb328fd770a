"""One rule for paged lists: a select() counted once and cut to one page."""

from __future__ import annotations

from sqlalchemy import Select, func
from sqlalchemy.orm import Session


def page(session: Session, stmt: Select, number: int, per_page: int) -> tuple[list[dict], int]:
    """Return (rows of page `number` (from 1) of `stmt`, as dicts; how many rows match in all)."""
    counted = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    total = session.execute(counted).scalar_one()
    rows = session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).mappings()
    return [dict(r) for r in rows], total
