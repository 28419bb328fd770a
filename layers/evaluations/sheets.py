"""Score sheets: one person's scores of one unit on the round's dimensions, from a ballot
(anonymous) or entered by staff from the 社区评议大会's paper forms."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, insert
from sqlalchemy.orm import Session

from gis.contracts import Contract, Day, Raw, UserText, check
from gis.errors import Conflict, Invalid
from layers.access import audit, policy
from layers.access.actors import Actor
from layers.evaluations import catalog, rounds
from layers.evaluations.tables import SCORES, SHEETS

ROWS, MAX_ROWS = 10, 60


def _score(raw: object) -> int | None:
    """Return a 1–5 score, None when blank; ValueError otherwise."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if text not in {"1", "2", "3", "4", "5"}:
        raise ValueError(text)
    return int(text)


def _read_unit(dims: list[dict], raw: Mapping, name: str, prefix: str,
               errors: dict[str, str]) -> dict[str, int] | None:
    """Return one sheet's scores (None when all blank), adding errors for bad or missing ones."""
    scores, missing = {}, []
    for d in dims:
        field = f"{prefix}-{d['key']}"
        try:
            value = _score(raw.get(field))
        except ValueError:
            errors[field] = f"{name}「{d['label']}」应为 1–5 分"
            continue
        if value is None:
            missing.append((field, d["label"]))
        else:
            scores[d["key"]] = value
    if not scores and not any(f"{prefix}-{d['key']}" in errors for d in dims):
        return None
    for field, label in missing:
        errors[field] = f"请为{name}「{label}」打分（1–5 分）"
    return scores


def check_marks(dims: list[dict], units: list[dict], raw: Mapping,
                all_units: bool) -> dict[str, dict[str, int]]:
    """Return {unit code: {dimension: score}} from a ballot's fields m-<unit>-<dimension>;
    a unit left blank is skipped unless `all_units`. Invalid naming each bad field."""
    errors: dict[str, str] = {}
    marks = {}
    for u in units:
        prefix = f"m-{u['code']}"
        scores = _read_unit(dims, raw, u["name"], prefix, errors)
        if scores is None and all_units:
            errors.update({f"{prefix}-{d['key']}": f"请为「{d['label']}」打分（1–5 分）"
                           for d in dims})
        elif scores is not None:
            marks[u["code"]] = scores
    if errors:
        raise Invalid(errors)
    if not marks:
        raise Invalid({"marks": "请至少为一个单位打分（不了解的单位可以不评）"})
    return marks


def store(session: Session, round_id: int, unit_code: str, source: str,
          scores: dict[str, int], entered_by: int | None = None,
          meeting_on: date | None = None, note: str = "") -> int:
    """Insert one sheet and its scores; return the sheet's id (a ballot's has no author)."""
    sheet_id = session.execute(insert(SHEETS).values(
        round_id=round_id, unit_code=unit_code, source=source, entered_by=entered_by,
        meeting_on=meeting_on, note=note, created_at=func.now()).returning(SHEETS.c.id)
    ).scalar_one()
    session.execute(insert(SCORES), [{"sheet_id": sheet_id, "dimension": k, "score": v}
                                     for k, v in scores.items()])
    return sheet_id


class MeetingInput(Contract):
    """The head of a meeting's entry: the unit scored, the meeting's day, a note."""

    unit_code: Raw({"type": "string"}, lambda v: str(v or "").strip()) = ""
    meeting_on: Day("评议大会日期") = None
    note: UserText(200, label="备注") = ""


def _head(raw: Mapping, units: dict[str, dict], errors: dict[str, str]) -> MeetingInput | None:
    try:
        head = check(MeetingInput, {k: raw.get(k) for k in ("unit_code", "meeting_on", "note")})
    except Invalid as err:
        errors.update(err.fields)
        return None
    if head.unit_code not in units:
        errors["unit_code"] = "请选择本轮评议中的被评单位"
        return None
    return head


def enter_meeting(session: Session, actor: Actor, round_id: int, raw: Mapping) -> dict:
    """Store the paper forms of one meeting (rows s-<i>-<dimension>, blank rows skipped) as
    staff sheets; return {unit, sheets}. Invalid naming each bad field (nothing stored),
    Conflict unless the round is open, Forbidden for a unit outside the scope."""
    found = rounds.get_round(session, actor, round_id, lock=True)
    units = {u["code"]: u for u in found["units"]}
    errors: dict[str, str] = {}
    head = _head(raw, units, errors)
    if head is not None:
        policy.require(actor, "evaluations.manage", head.unit_code
                       if found["kind"] == catalog.COMMUNITY else found["area_code"])
    if found["state"] != "open":
        raise Conflict(f"本轮评议{found['state_label']}，只能在评议中录入", "round_state")
    rows = []
    for i in range(MAX_ROWS):
        scores = _read_unit(found["dimensions"], raw, f"第 {i + 1} 份", f"s-{i}", errors)
        if scores is not None:
            rows.append(scores)
    if not rows and not errors:
        errors["rows"] = "请至少录入一份评议表"
    if errors:
        raise Invalid(errors)
    for scores in rows:
        store(session, round_id, head.unit_code, "staff", scores, actor.user_id,
              head.meeting_on, head.note)
    audit.record(session, actor, "enter_evaluation_sheets",
                 f"round:{round_id} {head.unit_code} ×{len(rows)}")
    return {"unit": units[head.unit_code], "sheets": len(rows)}


def rows_shown(wanted: object, values: Mapping) -> int:
    """Return how many rows the entry form shows: ?rows= (1–MAX_ROWS, default ROWS), and at
    least as many as the sent form had (s-<i>-… fields)."""
    text = str(wanted or "")
    rows = min(int(text), MAX_ROWS) if text.isdigit() and int(text) > 0 else ROWS
    for key in values:
        index = key.split("-")[1] if key.startswith("s-") and key.count("-") == 2 else ""
        if index.isdigit() and int(index) < MAX_ROWS:
            rows = max(rows, int(index) + 1)
    return rows
