"""What a 群众评议 round is made of: its kinds, the seed's dimensions, the 1–5 scale, periods
and the scope rule shared by rounds, reviews and interviews."""

from __future__ import annotations

import re

COMMUNITY, DEPARTMENT = "community_quarterly", "department_half_year"
KINDS = {COMMUNITY: "社区季度群众评议", DEPARTMENT: "职能部门半年群众评议"}
DIMENSIONS: dict[str, list[dict[str, str]]] = {
    COMMUNITY: [
        {"key": "building", "label": "社区建设管理"},
        {"key": "party_service", "label": "党组织服务能力"},
        {"key": "attitude", "label": "工作人员工作态度"},
        {"key": "expertise", "label": "工作人员专业水平"},
        {"key": "solving", "label": "问题解决成效"},
    ],
    DEPARTMENT: [
        {"key": "solving", "label": "民生问题解决质效"},
        {"key": "speed", "label": "响应与办理速度"},
        {"key": "attitude", "label": "服务态度"},
    ],
}
"""The seed's dimensions (完善“两评”体系): communities at the quarterly 社区评议大会, departments
by their duties (矛盾纠纷排查化解、城区美化绿化、水电热气等民生问题解决质效) every half year."""
SCALE = {5: "很满意", 4: "满意", 3: "一般", 2: "不满意", 1: "很不满意"}
"""Every score is 1–5; a unit's 百分制 is its mean × 20."""
STATES = {"draft": "准备中", "open": "评议中", "closed": "已结束"}
PERIOD_PATTERN = {COMMUNITY: re.compile(r"(20\d\d)Q([1-4])"),
                  DEPARTMENT: re.compile(r"(20\d\d)H([12])")}
PERIOD_HINT = {COMMUNITY: "季度，如 2026Q4", DEPARTMENT: "半年，如 2026H2"}
MIN_VOTES = 10


def period_label(period: str) -> str:
    """Return '2026年第4季度' / '2026年下半年' for a period code (the code itself when odd)."""
    if m := PERIOD_PATTERN[COMMUNITY].fullmatch(period):
        return f"{m[1]}年第{m[2]}季度"
    if m := PERIOD_PATTERN[DEPARTMENT].fullmatch(period):
        return f"{m[1]}年{'上' if m[2] == '1' else '下'}半年"
    return period


def hundred(mean: float | None) -> float | None:
    """Return a 1–5 mean on the 百分制 (mean × 20, one decimal), None for none."""
    return None if mean is None else round(float(mean) * 20, 1)


def overlaps(scope: str | None, code: str | None) -> bool:
    """Return True when an actor's scope and an area overlap: one holds the other (None = the
    city), so a community's staff see the street round their community is scored in."""
    if scope is None:
        return True
    return code is not None and (code.startswith(scope) or scope.startswith(code))
