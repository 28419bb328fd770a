"""A refused point on a staff form is shown at the coordinate that is wrong (lon, lat or crs)."""

from __future__ import annotations

import re

import pytest

from gis.checks import coordinate_at_fault
from layers.access import roles
from tests.pages import csrf, log_in

NEW = "/staff/demands/new"


@pytest.mark.parametrize(("lon", "lat", "crs", "wrong"), [
    ("x", "45.77", "wgs84", "lon"), ("", "45.77", "wgs84", "lon"),
    ("131.0", "abc", "wgs84", "lat"), ("131.0", "", "wgs84", "lat"),
    ("131.0", "95", "wgs84", "lat"), ("200", "45.77", "wgs84", "lon"),
    ("131.0", "45.77", "utm", "crs"), ("116.39", "39.9", "wgs84", "lon"),
])
def test_the_coordinate_at_fault_is_named(lon, lat, crs, wrong):
    assert coordinate_at_fault(lon, lat, crs) == wrong


def _invalid_inputs(html: str) -> set[str]:
    """Return the ids of the inputs the page marks invalid."""
    tags = re.findall(r"<(?:input|select)[^>]*>", html)
    return {re.search(r'id="([^"]+)"', t).group(1) for t in tags
            if "is-invalid" in t and 'id="' in t}


def test_a_bad_latitude_is_shown_under_the_latitude_on_the_staff_form(client, session):
    log_in(client, session, roles.DISPATCHER)
    data = {"title": "井盖缺失", "category": "0103", "source": "grid_visit", "crs": "wgs84",
            "lon": "131.0031", "lat": "北纬45", "csrf_token": csrf(client, NEW)}
    r = client.post(NEW, data=data, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "参数 lat 不是数字" in html
    assert _invalid_inputs(html) == {"lat"}
