"""Pages load nothing from outside the app: every asset is vendored and served locally."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import text

from gis import settings
from web import create_app

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
_ABSOLUTE = re.compile(r"(?:https?:)?//", re.IGNORECASE)


class _Links(HTMLParser):
    """Collects every src and href attribute of a page, with its tag."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.links.append((tag, name, value))


def links_of(html: str) -> list[tuple[str, str, str]]:
    """Return (tag, attribute, url) for every src/href in `html`."""
    parser = _Links()
    parser.feed(html)
    return parser.links


def is_local(url: str) -> bool:
    """Return True for a URL without scheme or host (a path on this app or a fragment)."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def css_urls(css_path: str, css: str) -> list[str]:
    """Return the app paths that a stylesheet at `css_path` loads with url(...)."""
    out = []
    for ref in _CSS_URL.findall(css):
        if ref.startswith(("data:", "#")):
            continue
        assert is_local(ref), f"{css_path} loads {ref}"
        out.append(urljoin(css_path, ref))
    return out


@pytest.fixture
def grid_code(session) -> str:
    return session.execute(
        text("SELECT min(code) FROM grids WHERE valid_to IS NULL")).scalar_one()


def _pages(grid_code: str) -> list[str]:
    return ["/map", f"/grids/{grid_code}", "/grids/000000000000000"]


def test_pages_reference_only_local_urls(client, grid_code):
    for page in _pages(grid_code):
        html = client.get(page).get_data(as_text=True)
        links = links_of(html)
        assert links, page
        assert [u for _t, _a, u in links if not is_local(u)] == [], page
        assert _ABSOLUTE.findall(re.sub(r"xmlns=\"[^\"]*\"", "", html)) == [], page


def test_every_static_file_and_css_url_the_pages_load_is_served(client, grid_code):
    assets: set[str] = set()
    for page in _pages(grid_code):
        html = client.get(page).get_data(as_text=True)
        assets |= {u for tag, _a, u in links_of(html) if tag in ("script", "link", "img")}
    assert {"/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
            "/static/vendor/bootstrap/css/bootstrap.min.css"} <= assets
    pending = sorted(assets)
    seen: set[str] = set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        assert url.startswith("/static/"), url
        resp = client.get(url)
        assert resp.status_code == 200, url
        if url.endswith(".css"):
            pending += css_urls(url, resp.get_data(as_text=True))
        resp.close()
    assert "/static/vendor/leaflet/images/layers.png" in seen


def test_the_only_external_url_is_the_configured_tile_url(session_factory):
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    app = create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                      "DATABASE_URL": settings.load().test_database_url, "TILE_URL": tiles,
                      "TILE_ATTRIBUTION": "测试底图"})
    html = app.test_client().get("/map").get_data(as_text=True)
    found = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert found == {tiles}


def test_every_vendored_package_has_its_licence_and_is_listed():
    listing = (VENDOR / "VENDOR.md").read_text(encoding="utf-8")
    packages = sorted(p for p in VENDOR.iterdir() if p.is_dir())
    assert packages
    for pkg in packages:
        assert (pkg / "LICENSE").is_file(), pkg.name
        assert f"`{pkg.name}`" in listing, pkg.name


def _staff_page_assets(client, session, name: str, role: str, path: str) -> tuple[str, set]:
    """Log in as a new `role` user, fetch `path`; assert it links nothing external; return
    its HTML and the scripts and stylesheets it loads."""
    from layers.access import users

    users.create_user(session, name, role, "secret-pass-123")
    session.commit()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"name": name, "password": "secret-pass-123",
                                "csrf_token": token})
    html = client.get(path).get_data(as_text=True)
    links = links_of(html)
    assert [u for _t, _a, u in links if not is_local(u)] == []
    assert _ABSOLUTE.findall(re.sub(r"xmlns=\"[^\"]*\"", "", html)) == []
    return html, {u for tag, _a, u in links if tag in ("script", "link")}


def test_staff_member_page_loads_only_local_files(client, session):
    _html, assets = _staff_page_assets(client, session, "t_urls_members", "supervisor",
                                       "/members")
    assert {"/static/js/members/membermap.js", "/static/css/members.css"} <= assets
    for url in assets:
        resp = client.get(url)
        assert resp.status_code == 200, url
        resp.close()


def test_station_form_with_its_map_picker_loads_only_local_files(client, session):
    html, assets = _staff_page_assets(client, session, "t_urls_stations", "admin",
                                      "/stations/new")
    assert 'id="station-map"' in html
    assert {"/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
            "/static/js/stations/form.js"} <= assets
    modules = module_graph(client, "/static/js/stations/form.js")
    assert {"/static/js/lib/pickmap.js", "/static/js/lib/datum.js"} <= modules
    for url in assets | modules:
        resp = client.get(url)
        assert resp.status_code == 200, url
        if url.startswith("/static/js/"):
            assert not _ABSOLUTE.search(resp.get_data(as_text=True)), url
        resp.close()


_IMPORT = re.compile(r'^import [^;]*?from "([^"]+)";', re.M)


def module_graph(client, url: str) -> set[str]:
    """Return the ES modules `url` imports, directly or not (relative imports resolved)."""
    from posixpath import dirname, normpath

    seen, todo = set(), [url]
    while todo:
        here = todo.pop()
        if here in seen:
            continue
        seen.add(here)
        source = client.get(here).get_data(as_text=True)
        todo += [normpath(dirname(here) + "/" + rel) for rel in _IMPORT.findall(source)]
    return seen
