"""Ledgers (民意问题反馈台账): exact columns, CSV with BOM, XLSX, scope, no personal data."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from layers.access import users
from layers.access.actors import RESIDENT, for_user
from layers.demands import store as demands
from layers.demands import transitions
from layers.demands.fields import check_new_demand
from layers.reporting import ledgers

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Qitaihe
PASSWORD = "secret-pass-123"
COLUMNS = [
    "编号", "受理时间", "诉求标题", "问题类别", "经度", "纬度", "地址", "所属网格", "责任单位",
    "办理时限", "状态", "结案时间", "办理用时（天）", "是否按期", "满意度",
    "派单时间", "签收时间", "办结时间", "核查时间",
]
HOSTILE = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def heating_demands(session):
    """Two heating demands (one closed, rated), one water demand; personal data on each."""
    admin = for_user(users.create_user(session, "t_ledger_admin", "admin", PASSWORD))
    made = []
    for i, (cat, title) in enumerate([("1001", HOSTILE), ("1002", "暖气漏水"), ("1101", "停水")]):
        body = {"title": title, "category": cat, **CITY_HALL, "address": "桃山区政府门前",
                "reporter_name": "张三", "reporter_phone": "13812345678"}
        d = demands.create_demand(session, check_new_demand(body), RESIDENT,
                                  now=T0 + timedelta(minutes=i))
        transitions.apply(session, d["code"], "dispatch", admin, {}, now=T0 + timedelta(hours=1))
        made.append(d)
    steps = [("sign", {}), ("resolve", {"note": "修好了"}), ("verify", {}), ("close", {}),
             ("rate", {"solved": True, "satisfaction": "basic"})]
    for action, body in steps:
        transitions.apply(session, made[0]["code"], action, admin, body,
                          now=T0 + timedelta(hours=2))
    session.commit()
    return made


def _csrf(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, user):
    r = client.post("/login", data={"name": user.name, "password": PASSWORD,
                                    "csrf_token": _csrf(client)})
    assert r.status_code == 302


def _as(client, staff, role, **kw):
    _login(client, staff(role, **kw)[0])
    return client


def _xlsx(resp):
    return load_workbook(io.BytesIO(resp.data))


def _csv(resp):
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))


def test_ledger_rows_have_local_times_and_the_unit(session, heating_demands):
    rows = ledgers.ledger_rows(session, "department", "heating", now=T0 + timedelta(days=3))
    assert len(rows) == 2 and list(ledgers.HEADERS) == COLUMNS
    first = dict(zip(COLUMNS, rows[0], strict=True))
    assert first["受理时间"] == datetime(2026, 11, 2, 9, 0)  # Asia/Shanghai, naive
    assert first["结案时间"] == datetime(2026, 11, 2, 11, 0)
    assert first["责任单位"] == "热力" and first["状态"] == "已结案"
    assert first["问题类别"] == "供暖/暖气不热" and first["是否按期"] == "是"
    assert first["满意度"] == "基本满意" and first["办理用时（天）"] == pytest.approx(0.1)
    assert (first["经度"], first["纬度"]) == (131.0031, 45.7711)
    assert first["地址"] == "桃山区政府门前"
    assert first["所属网格"] == heating_demands[0]["grid_code"]
    second = dict(zip(COLUMNS, rows[1], strict=True))
    assert second["是否按期"] == "否" and second["结案时间"] is None and second["签收时间"] is None
    community = heating_demands[0]["grid_code"][:12]
    assert len(ledgers.ledger_rows(session, "community", community)) == 3


def test_xlsx_has_exact_header_bold_frozen_and_one_row_per_demand(client, staff,
                                                                  heating_demands):
    r = _as(client, staff, "admin").get("/ledgers/department/heating.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = _xlsx(r).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS and len(rows) == 3
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= 20
    assert isinstance(ws["B2"].value, datetime) and ws["B2"].value.hour == 9
    assert {row[0] for row in rows[1:]} == {d["code"] for d in heating_demands[:2]}
    title_cell = ws["C2"]
    assert title_cell.value == HOSTILE and title_cell.data_type == "s"  # never a formula
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("台账-热力-", safe="") in disposition
    assert re.search(r"\d{8}\.xlsx$", disposition)


def test_csv_has_bom_same_columns_and_defused_formulas(client, staff, heating_demands):
    r = _as(client, staff, "dispatcher").get("/ledgers/department/heating.csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    rows = _csv(r)
    assert rows[0] == COLUMNS and len(rows) == 3
    assert rows[1][2] == "'" + HOSTILE
    assert rows[1][1] == "2026-11-02 09:00:00"


def test_ledgers_never_contain_personal_data(client, staff, heating_demands):
    client = _as(client, staff, "admin")
    community = heating_demands[0]["grid_code"][:12]
    for path in ("/ledgers/department/heating", f"/ledgers/community/{community}"):
        text = client.get(path + ".csv").data.decode("utf-8-sig")
        cells = [str(c.value) for row in _xlsx(client.get(path + ".xlsx")).active.iter_rows()
                 for c in row]
        for secret in ("张三", "13812345678", "1381234"):
            assert secret not in text and not any(secret in c for c in cells)


def test_department_staff_only_get_their_own_department(client, staff, heating_demands):
    client = _as(client, staff, "department_staff", department="water")
    assert client.get("/ledgers/department/heating.xlsx").status_code == 403
    assert client.get("/ledgers/department/heating.csv").status_code == 403
    community = heating_demands[0]["grid_code"][:12]
    assert client.get(f"/ledgers/community/{community}.csv").status_code == 403
    r = client.get("/ledgers/department/water.csv")
    assert r.status_code == 200 and len(_csv(r)) == 2


def test_anonymous_is_sent_to_login(client, heating_demands):
    r = client.get("/ledgers/department/heating.xlsx")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_community_ledger_is_scoped(client, staff, heating_demands):
    community = heating_demands[0]["grid_code"][:12]
    other = "230902031001" if community != "230902031001" else "230902031002"
    client = _as(client, staff, "community_staff", scope=community)
    r = client.get(f"/ledgers/community/{community}.csv")
    assert r.status_code == 200 and len(_csv(r)) == 4
    assert client.get(f"/ledgers/community/{other}.csv").status_code == 403
    r = client.get("/ledgers/department/heating.csv")  # limited to their scope
    assert r.status_code == 200 and len(_csv(r)) == 3


def test_grid_worker_sees_only_their_grid(client, staff, heating_demands):
    grid = heating_demands[0]["grid_code"]
    client = _as(client, staff, "grid_worker", scope=grid[:12] + ("001" if grid[-3:] != "001"
                                                                     else "002"))
    r = client.get(f"/ledgers/community/{grid[:12]}.csv")
    assert r.status_code == 200 and len(_csv(r)) == 1  # header only


def test_period_unknown_and_malformed_codes(client, staff, heating_demands):
    client = _as(client, staff, "leader")
    r = client.get("/ledgers/department/heating.csv?from=2099-01-01")
    assert r.status_code == 200 and len(_csv(r)) == 1
    r = client.get("/ledgers/department/heating.csv?from=2026-11-02&to=2026-11-02")
    assert len(_csv(r)) == 3
    assert client.get("/ledgers/department/heating.csv?from=yesterday").status_code == 400
    assert client.get("/ledgers/department/heating.csv?from=0001-01-01").status_code == 400
    assert client.get("/ledgers/department/heating.xlsx?to=9999-12-31").status_code == 400
    assert client.get("/ledgers/department/nasa.xlsx").status_code == 404
    assert client.get("/ledgers/department/NASA!.xlsx").status_code == 404
    assert client.get("/ledgers/community/999999999999.csv").status_code == 404
    assert client.get("/ledgers/community/230903.csv").status_code == 404
    assert client.get("/ledgers/department/heating.pdf").status_code == 404
