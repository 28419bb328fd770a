"""Chinese labels of demand states and ratings, shared by pages, ledgers and Open311."""

from __future__ import annotations

STATE_LABELS: dict[str, str] = {
    "received": "已受理",
    "dispatched": "已派单",
    "signed": "办理中",
    "resolved": "已办结待核查",
    "verified": "已核查",
    "closed": "已结案",
    "merged": "已合并",
}

SATISFACTION_LABELS: dict[str, str] = {
    "satisfied": "满意",
    "basic": "基本满意",
    "dissatisfied": "不满意",
}

NO_VALUE = "—"


def state_label(state: str) -> str:
    """Return the Chinese label of a demand state (the state itself when unknown)."""
    return STATE_LABELS.get(state, state)


def satisfaction_label(value: str | None) -> str:
    """Return the Chinese label of a satisfaction rating ('未评价' when not rated)."""
    if value is None:
        return "未评价"
    return SATISFACTION_LABELS.get(value, value)


def percent(rate: float | None) -> str:
    """Return a 0–1 rate as '87.5%', or '—' when there is no rate (denominator 0)."""
    return NO_VALUE if rate is None else f"{rate * 100:.1f}%"
