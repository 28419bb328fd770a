"""The 随手拍 phone page, its multipart POST to the demand API (anonymous or a logged-in rider
with CSRF), the outlines of its map fallback, and the token-checked follow page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import text

from layers.access import users
from tests import factories

PASSWORD = "secret-pass-123"
CITY_HALL = {"lon": "131.0031", "lat": "45.7711", "crs": "wgs84"}
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def app(app, tmp_path):
    """The app with its media folder under tmp_path."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    return app


class _Urls(HTMLParser):
    """Collects every src, href and data-* attribute value that looks like a URL."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in ("src", "href", "action") or (
                    name.startswith("data-") and ("/" in value or ":" in value))):
                self.urls.append(value)


def _urls(html: str) -> list[str]:
    parser = _Urls()
    parser.feed(html)
    return parser.urls


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), (30, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def _report(client, headers=None, **extra):
    data = {"title": "随手拍·暴露垃圾", "category": "0102", "source": "rider_snapshot",
            "description": EVIL, "reporter_name": "张三", "reporter_phone": "13912345678",
            **CITY_HALL, **extra, "photos": (BytesIO(_jpeg()), "p.jpg")}
    return client.post("/api/v1/demands", data=data, headers=headers or {},
                       content_type="multipart/form-data")


def test_page_is_a_phone_page_with_big_targets_and_only_local_urls(client):
    resp = client.get("/report")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1', html)
    assert '<html lang="zh-CN">' in html
    assert re.search(r'type="file" accept="image/\*"\s+capture="environment"', html)
    for code, name in (("0102", "暴露垃圾"), ("0201", "非法小广告"), ("1403", "路灯不亮"),
                       ("0504", "井盖缺失"), ("1501", "食品安全问题"), ("0105", "河道漂浮物")):
        assert f'data-code="{code}" data-name="{name}"' in html
    assert html.count('class="cat"') == 9
    assert '<option value="1001">暖气不热</option>' in html  # every small class in 其他
    urls = _urls(html)
    assert "/static/js/report/report.js" in urls and "/static/vendor/leaflet/leaflet.js" in urls
    assert "/api/v1/demands" in urls and "/report/outlines.json" in urls
    assert all(_is_local(u) for u in urls), urls
    assert not re.search(r"(?:https?:)?//", html)
    for url in ("/static/js/report/report.js", "/static/js/report/mine.js",
                "/static/js/lib/pickmap.js", "/static/css/report.css",
                "/static/vendor/leaflet/leaflet.css"):
        r = client.get(url)
        assert r.status_code == 200, url
        if "vendor" not in url:
            assert not re.search(r"https?://|url\(", r.get_data(as_text=True)), url
        r.close()


def test_css_gives_touch_targets_of_at_least_48_px(client):
    css = client.get("/static/css/report.css").get_data(as_text=True)
    for selector in (".btn ", ".cat ", ".select, .text-input"):
        block = css[css.index(selector):]
        block = block[:block.index("}")]
        height = int(re.search(r"min-height: (\d+)px", block).group(1))
        assert height >= 48, selector
    assert "max-width: 560px" in css and "grid-template-columns: repeat(3" in css


def test_outlines_for_the_tap_fallback(client):
    r = client.get("/report/outlines.json")
    body = r.get_json()
    assert r.status_code == 200 and "max-age" in r.headers["Cache-Control"]
    assert len(body["districts"]["features"]) == 4
    assert len(body["grids"]["features"]) == 824
    assert set(body["grids"]["features"][0]["properties"]) == {"code", "name", "community_name"}


def test_anonymous_multipart_report_then_follow_with_its_token(client, session):
    r = _report(client)
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert d["source"] == "rider_snapshot" and re.fullmatch(r"[0-9]{15}", d["grid_code"])
    assert "reporter_name" not in d and "reporter_phone" not in d
    assert session.execute(text("SELECT count(*) FROM demand_photos p JOIN demands d ON "
                                "d.id = p.demand_id WHERE d.code = :c"),
                           {"c": d["code"]}).scalar() == 1
    page = client.get(f"/report/follow/{d['code']}?token={d['follow_token']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert d["code"] in html and d["grid_code"] in html and "暴露垃圾" in html
    grid_name = session.execute(text("SELECT name FROM grids WHERE code = :c AND valid_to IS "
                                     "NULL"), {"c": d["grid_code"]}).scalar()
    assert grid_name in html and ("已受理" in html or "已派单" in html)
    for private in ("张三", "13912345678", "139****5678", EVIL, d["follow_token"]):
        assert private not in html


def test_follow_page_refuses_a_wrong_or_missing_token(client):
    d = _report(client).get_json()
    assert client.get(f"/report/follow/{d['code']}?token=wrong").status_code == 403
    assert client.get(f"/report/follow/{d['code']}").status_code == 403
    assert client.get("/report/follow/QTH-20000101-0001?token=x").status_code == 404


def _page_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_pages_answer_a_nul_in_the_path_with_a_chinese_page(client, staff):
    user, _ = staff("admin")
    r = client.post("/login", data={"name": user.name, "password": "secret-pass-123",
                                    "csrf_token": _page_token(client, "/login")})
    assert r.status_code == 302
    token = _page_token(client, "/board")
    answers = [client.get("/report/follow/a%00b?token=x"), client.get("/staff/demands/a%00b"),
               client.post("/board/claim/a%00b", data={"csrf_token": token})]
    for r in answers:
        assert r.status_code == 400 and r.mimetype == "text/html"
        assert "不能含有空字符" in r.get_data(as_text=True)


def test_follow_page_escapes_event_notes(client, session, staff):
    d = _report(client, category="1401").get_json()
    user, disp = staff("dispatcher")
    r = client.post(f"/api/v1/demands/{d['code']}/transitions", headers=disp,
                    json={"action": "dispatch", "note": EVIL})
    assert r.status_code == 200, r.get_json()
    html = client.get(f"/report/follow/{d['code']}?token={d['follow_token']}").get_data(
        as_text=True)
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "已派单" in html and user.name not in html


def _login_rider(client, session) -> int:
    user = users.create_user(session, "t_rider_page", "rider", PASSWORD, display_name="骑手丙")
    mid = factories.member(session, "rider", "骑手丙", user_id=user.id)
    session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    r = client.post("/login", data={"name": user.name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    return mid


def test_logged_in_rider_posts_with_csrf_header_and_is_credited(client, session):
    mid = _login_rider(client, session)
    html = client.get("/report").get_data(as_text=True)
    assert "骑手丙" in html and "计入您的流动网格员贡献" in html
    assert _report(client).status_code == 400  # a logged-in session needs the CSRF token
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    r = _report(client, headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["reporter_member_id"] == mid
    assert session.execute(text("SELECT reporter_member_id FROM demands WHERE code = :c"),
                           {"c": r.get_json()["code"]}).scalar() == mid
