"""One-time ballot codes of a round: issued in batches (shown once, only their sha256 kept),
and cast once by a resident on /evaluate. A ballot never records who voted: the sheet it
produces has no author and no link back to the code."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping

from pydantic import Field
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session

from gis.contracts import Contract, Raw, check, fail
from gis.errors import Conflict, DomainError, Invalid, NotFound
from layers.access import audit
from layers.access.actors import Actor
from layers.evaluations import catalog, rounds, sheets
from layers.evaluations.tables import BALLOTS, ROUNDS

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 12  # 60 bits
MAX_BATCH = 500
_NOT_CODE = re.compile(r"[^0-9A-Z]")


def new_code() -> str:
    """Return a fresh code, grouped for reading: XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize(code: object) -> str:
    """Return a typed code without spaces, dashes or case ('' for no text)."""
    return _NOT_CODE.sub("", code.upper()) if isinstance(code, str) else ""


def code_hash(code: str) -> str:
    """Return the sha256 hex digest stored for a code (of its normalized form)."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def _count(raw: object) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_BATCH:
        raise fail(f"发放数量应为 1–{MAX_BATCH} 的整数")
    return int(text)


class IssueInput(Contract):
    """A batch of codes: how many, and for which community (community rounds)."""

    count: Raw({"type": "integer", "minimum": 1, "maximum": MAX_BATCH}, _count) = \
        Field(None, validate_default=True)
    community_code: Raw({"type": "string"}, lambda v: str(v or "").strip()) = ""


def issue(session: Session, actor: Actor, round_id: int, raw: Mapping) -> dict:
    """Store `count` new codes' hashes for the round (a community round: for one of its
    communities); return {round, community, codes} — the only time the codes are seen."""
    found = rounds.managed_round(session, actor, round_id, lock=True)
    data = check(IssueInput, dict(raw))
    if found["state"] == "closed":
        raise Conflict("本轮评议已结束，不能再发放评议码", "round_state")
    community = None
    if found["kind"] == catalog.COMMUNITY:
        units = {u["code"]: u for u in found["units"]}
        community = units.get(data.community_code)
        if community is None:
            raise Invalid({"community_code": "请选择本轮评议中的一个社区"})
    codes = [new_code() for _ in range(data.count)]
    session.execute(insert(BALLOTS), [
        {"round_id": round_id, "community_code": community and community["code"],
         "code_hash": code_hash(c)} for c in codes])  # issued_at: now() by default
    audit.record(session, actor, "issue_ballots",
                 f"round:{round_id} {community['code'] if community else ''} ×{data.count}")
    return {"round": found, "community": community, "codes": codes}


_BALLOT = (select(BALLOTS.c.id.label("ballot_id"), BALLOTS.c.community_code, BALLOTS.c.used_at,
                  ROUNDS.c.id.label("round_id"), ROUNDS.c.title, ROUNDS.c.kind, ROUNDS.c.state,
                  ROUNDS.c.dimensions, ROUNDS.c.units)
           .join(ROUNDS, ROUNDS.c.id == BALLOTS.c.round_id))
REFUSALS = {
    "unknown": "没有这个评议码，请核对后重新输入（字母不分大小写，可不输入短横线）",
    "used": "这个评议码已经投过票了：每个评议码只能投一次",
    "draft": "本轮评议还没有开始，请在开始后再投票",
    "closed": "本轮评议已经结束，不能再投票",
}


def refuse(why: str) -> DomainError:
    """Return the refusal of a ballot code ('unknown', 'used', 'draft', 'closed')."""
    err = NotFound(REFUSALS[why]) if why == "unknown" else Conflict(REFUSALS[why])
    err.code = f"ballot_{why}"
    return err


def open_ballot(session: Session, code: object) -> dict:
    """Return what a code lets its holder score: {round_id, title, kind, dimensions, units,
    scale}; NotFound or Conflict (refuse) for an unknown or used code or a round not open."""
    typed = normalize(code)
    row = None
    if len(typed) == CODE_LENGTH:
        row = session.execute(_BALLOT.where(BALLOTS.c.code_hash == code_hash(typed))
                              ).mappings().first()
    if row is None:
        raise refuse("unknown")
    if row["state"] != "open":
        raise refuse(row["state"])
    if row["used_at"] is not None:
        raise refuse("used")
    units = [u for u in row["units"]
             if row["community_code"] is None or u["code"] == row["community_code"]]
    keep = ("ballot_id", "round_id", "title", "kind", "dimensions")
    return {**{k: row[k] for k in keep}, "units": units, "scale": catalog.SCALE}


def cast(session: Session, code: object, raw: Mapping) -> dict:
    """Record one vote with a code: the marks checked (Invalid naming m-<unit>-<dimension>
    fields, nothing stored), the code spent by one conditional UPDATE (of two concurrent
    casts only one wins; the other is refused as used), one anonymous sheet per unit
    scored. Return {title, units}."""
    ballot = open_ballot(session, code)
    marks = sheets.check_marks(ballot["dimensions"], ballot["units"], raw,
                               all_units=ballot["kind"] == catalog.COMMUNITY)
    spent = session.execute(
        update(BALLOTS).where(BALLOTS.c.id == ballot["ballot_id"], BALLOTS.c.used_at.is_(None),
                              select(ROUNDS.c.id).where(and_(
                                  ROUNDS.c.id == BALLOTS.c.round_id,
                                  ROUNDS.c.state == "open")).exists())
        .values(used_at=func.now()).returning(BALLOTS.c.id)).first()
    if spent is None:
        raise refuse("used")
    for unit_code, scores in marks.items():
        sheets.store(session, ballot["round_id"], unit_code, "ballot", scores)
    return {"title": ballot["title"], "units": len(marks)}
