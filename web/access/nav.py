"""The staff menus of the navigation bar: each entry shown to those whose role holds its
permission (the policy's names), the one being viewed marked active."""

from __future__ import annotations

from flask import request, url_for

MENUS: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("工单", (("demands.handle", "work.mine", "我的工单"),
              ("demands.dispatch", "work.verification", "待核查"),
              ("demands.dispatch", "dispatch.dispatch_page", "派单调度"),
              ("demands.register", "staff.new_demand", "登记诉求"))),
    ("力量与阵地", (("members.view", "members.index", "网格力量"),
                  ("stations.view", "stations.index", "驿站管理"),
                  ("riders.view", "riders.ledger", "骑手贡献"))),
    ("分析评议", (("reporting.rates", "leaders.rates_page", "三率"),
                ("reporting.rates", "leaders.hotspots_page", "热点分析"),
                ("reporting.rates", "boards.board_page", "红黑榜"),
                ("reporting.rates", "charts.charts_page", "统计图表"),
                ("evaluations.view", "evaluations.index", "两评"))),
)
"""(menu title, entries (permission, endpoint, label)); a menu of one shown entry is a link."""
SECTIONS = {"stations.index": ("stations.",),
            "evaluations.index": ("evaluations.", "evaluation_records.")}
"""Entries that stay active on every page of their section (by endpoint prefix)."""


def _active(endpoint: str) -> bool:
    current = request.endpoint or ""
    return current == endpoint or current.startswith(SECTIONS.get(endpoint, ("\0",)))


def menus(may) -> list[dict]:
    """Return the menus the request's login sees: [{title, active, entries: [{url, label,
    active}]}], menus without an entry left out; `may(name)` asks the policy."""
    out = []
    for title, entries in MENUS:
        items = [{"url": url_for(endpoint), "label": label, "active": _active(endpoint)}
                 for name, endpoint, label in entries if may(name)]
        if items:
            out.append({"title": title, "entries": items,
                        "active": any(i["active"] for i in items)})
    return out
