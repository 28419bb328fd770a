"""Ledger downloads (台账): a department's or a community's demands as .xlsx or .csv, staff only.

Scope: department staff get only their own department's ledger; everyone else gets rows
inside their hierarchy scope (none = city-wide). No personal data is ever in a ledger.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, Response, request

from gis.errors import BadInput, Forbidden
from grids.hierarchy import level_of
from layers import workcal
from layers.reporting import ledger_files, ledgers
from web.access import actor as acting
from web.access.guard import requires
from web.core.db import get_session
from web.core.errors import error_page
from web.core.periods import period_args

bp = Blueprint("ledgers", __name__)
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
_DEPARTMENT_CODE = re.compile(r"[a-z0-9_-]{1,20}")


def _known(kind: str, code: str) -> str | None:
    """Return the unit's display name when `code` is well-formed and exists, else None."""
    ok = (_DEPARTMENT_CODE.fullmatch(code) if kind == "department"
          else level_of(code) == "community")
    return ledgers.unit_name(get_session(), kind, code) if ok else None


def content_disposition(filename: str, fallback: str) -> str:
    """Return an attachment header with an ASCII fallback and an RFC 5987 UTF-8 filename."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@bp.get("/ledgers/<any(department, community):kind>/<code>.<any(xlsx, csv):fmt>")
@requires("ledgers.download")
def download(kind: str, code: str, fmt: str):
    """The ledger file of a department or community, optionally for ?from=&to= dates."""
    name = _known(kind, code)
    if name is None:
        label = "部门" if kind == "department" else "社区"
        return error_page(404, f"没有编码为“{code[:40]}”的{label}。")
    try:
        within = ledgers.rows_within(acting.current(), kind, code)
        period = period_args(request.args)
    except Forbidden as err:
        return error_page(403, str(err))
    except BadInput as err:
        return error_page(400, str(err))
    rows = ledgers.ledger_rows(get_session(), kind, code, period, within)
    data = ledger_files.to_xlsx(rows, f"台账-{name}") if fmt == "xlsx" else \
        ledger_files.to_csv(rows)
    today = datetime.now(UTC).astimezone(workcal.TZ).strftime("%Y%m%d")
    resp = Response(data, mimetype=MIMETYPES[fmt])
    resp.headers["Content-Disposition"] = content_disposition(
        f"台账-{name}-{today}.{fmt}", f"ledger-{kind}-{code}-{today}.{fmt}")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
