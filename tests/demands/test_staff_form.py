"""The staff web form 登记诉求 and the staff demand page: login, CSRF, field errors, photos,
escaping of user text."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import text

PASSWORD = "secret-pass-123"  # the `staff` fixture's password
NEW = "/staff/demands/new"
CITY_HALL = {"lon": "131.0031", "lat": "45.7711"}


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def logged_in(client, staff):
    """The client logged in through /login as a dispatcher."""
    user, _ = staff("dispatcher")
    r = client.post("/login", data={"name": user.name, "password": PASSWORD,
                                    "csrf_token": _csrf(client, "/login")})
    assert r.status_code == 302
    return client


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def _submit(client, photos=(), **fields):
    data = {"title": "小区门口垃圾堆放", "category": "0103", "source": "grid_visit",
            "crs": "wgs84", "csrf_token": _csrf(client, NEW), **CITY_HALL, **fields,
            "photos": [(BytesIO(raw), name) for name, raw in photos]}
    return client.post(NEW, data=data, content_type="multipart/form-data")


def _count(session):
    return session.execute(text("SELECT count(*) FROM demands")).scalar()


def test_anonymous_is_sent_to_the_login_page(client):
    for path in (NEW, "/staff/demands/QTH-20260101-0001"):
        r = client.get(path)
        assert r.status_code == 302 and "/login?next=" in r.headers["Location"]
    assert "登记诉求" not in client.get("/login").get_data(as_text=True)


def test_form_renders_in_chinese_with_csrf_grouped_categories_and_sources(logged_in):
    html = logged_in.get(NEW).get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'enctype="multipart/form-data"' in html
    assert "登记诉求" in html and '<optgroup label="市容环境">' in html
    assert "网格员走访" in html and "BD-09" in html
    assert 'name="photos"' in html and "multiple" in html


def test_post_without_csrf_token_is_refused(logged_in, session):
    before = _count(session)
    r = logged_in.post(NEW, data={"title": "x", "category": "0103", **CITY_HALL})
    assert r.status_code == 400 and _count(session) == before


def test_valid_post_files_the_demand_and_shows_its_page(logged_in, session, media):
    r = _submit(logged_in, photos=[("a.jpg", _jpeg()), ("b.jpg", _jpeg())],
                reporter_name="李先生", reporter_phone="13900001111")
    assert r.status_code == 302, r.get_data(as_text=True)
    code = re.search(r"/staff/demands/(QTH-\d{8}-\d{4})$", r.headers["Location"]).group(1)
    row = session.execute(text("SELECT source, reporter_name, grid_code FROM demands "
                               "WHERE code = :c"), {"c": code}).one()
    assert row.source == "grid_visit" and row.reporter_name == "李先生"
    page = logged_in.get(r.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and code in html and "诉求已登记" in html
    assert "小区门口垃圾堆放" in html and row.grid_code in html and "登记" in html
    thumbs = re.findall(r'<a href="(/media/photos/[^"]+\.jpg)"[^>]*>\s*<img src="([^"]+)"', html)
    assert len(thumbs) == 2 and all(t.endswith("_thumb.jpg") for _, t in thumbs)
    assert logged_in.get(thumbs[0][1]).mimetype == "image/jpeg"
    assert len([p for p in media.rglob("*.jpg")]) == 4


def test_grid_code_alone_is_enough(logged_in):
    r = _submit(logged_in, lon="", lat="", grid_code="230902031001002")
    assert r.status_code == 302
    assert "230902031001002" in logged_in.get(r.headers["Location"]).get_data(as_text=True)


def test_invalid_post_shows_the_field_errors_and_writes_nothing(logged_in, session, media):
    before = _count(session)
    r = _submit(logged_in, title="", category="", lon="", lat="", reporter_phone="abc",
                photos=[("x.jpg", b"text, not a picture")])
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "请填写标题" in html and "请选择分类" in html
    assert _count(session) == before and list(media.rglob("*.jpg")) == []
    r = _submit(logged_in, lon="", lat="", reporter_phone="abc",
                photos=[("x.jpg", b"text, not a picture")])
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "电话号码格式不对" in html
    assert "第 1 张照片" in html and "需要 lon/lat 或 grid_code" in html
    assert _count(session) == before and list(media.rglob("*.jpg")) == []


def test_unknown_category_and_place_outside_the_city_are_shown_on_the_form(logged_in, session):
    before = _count(session)
    html = _submit(logged_in, category="9999").get_data(as_text=True)
    assert "没有分类" in html
    html = _submit(logged_in, lon="116.39", lat="39.9").get_data(as_text=True)
    assert "不在任何网格内" in html and _count(session) == before


def test_user_text_is_escaped_on_the_demand_page(logged_in):
    evil = "<script>alert(1)</script>"
    r = _submit(logged_in, title=evil, description=f"楼道{evil}", address=evil,
                reporter_name="<b>王</b>")
    html = logged_in.get(r.headers["Location"]).get_data(as_text=True)
    assert evil not in html and "<b>王</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_demand_is_a_chinese_404_page(logged_in):
    r = logged_in.get("/staff/demands/QTH-19990101-9999")
    assert r.status_code == 404 and "没有这个诉求" in r.get_data(as_text=True)


def test_nav_shows_the_form_link_to_staff(logged_in):
    assert 'href="/staff/demands/new"' in logged_in.get("/map").get_data(as_text=True)


def test_a_control_character_in_the_title_is_shown_on_the_form_not_stripped(logged_in,
                                                                            session):
    before = _count(session)
    r = _submit(logged_in, title="ctl\x01t")
    assert r.status_code == 422 and "U+0001" in r.get_data(as_text=True)
    assert _count(session) == before
