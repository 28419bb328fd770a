"""The leaders' charts page (`/leaders/charts`): monthly trend, category mix and on-time rate
per department, drawn in the browser with ECharts from the charts API (leaders,
supervisors, admins; their scope)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template, url_for

from gis.periods import current_month
from layers.reporting import trends
from web.access.guard import requires

bp = Blueprint("charts", __name__, url_prefix="/leaders")


@bp.get("/charts")
@requires("reporting.rates")
def charts_page() -> Any:
    """统计图表: the page frame, the API URLs and this month as the default period; the
    charts are filled in by static/js/leaders/charts.js."""
    urls = {"trend": url_for("api.charts.trend"),
            "categories": url_for("api.charts.categories"),
            "departments": url_for("api.charts.departments")}
    return render_template("leaders/charts.html", urls=urls,
                           period=current_month(datetime.now(UTC)),
                           definitions=trends.DEFINITIONS)
