"""GCJ-02 and BD-09 conversions against known points and round trips."""

import numpy as np
import pytest
from shapely import Point

from gis import coords
from gis.project import to_metric


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return to_metric(Point(a)).distance(to_metric(Point(b)))


def test_gcj02_offset_at_qitaihe_is_hundreds_of_metres():
    city_hall = (131.0031, 45.7711)
    assert 300 < _metres(city_hall, coords.wgs84_to_gcj02(*city_hall)) < 900


@pytest.mark.parametrize("lon,lat", [(131.0031, 45.7711), (130.57, 45.75), (116.397, 39.909)])
def test_gcj02_to_wgs84_recovers_the_true_point_within_one_metre(lon, lat):
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))
    assert _metres((lon, lat), back) < 1.0


def test_bd09_to_wgs84_recovers_the_true_point_within_one_metre():
    lon, lat = 131.0031, 45.7711
    assert _metres((lon, lat), coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))) < 1.0


def test_known_beijing_pair_converts_as_published():
    # Tiananmen: WGS84 (116.391275, 39.907230) is GCJ-02 (116.397519, 39.908634), Amap's pick.
    glon, glat = coords.wgs84_to_gcj02(116.391275, 39.907230)
    assert _metres((glon, glat), (116.397519, 39.908634)) < 5


def test_conversion_is_vectorised_and_matches_scalar():
    lons, lats = np.array([131.0, 130.9]), np.array([45.77, 45.79])
    vlon, vlat = coords.gcj02_to_wgs84(lons, lats)
    assert (vlon[1], vlat[1]) == coords.gcj02_to_wgs84(130.9, 45.79)


def test_outside_china_no_offset_is_applied():
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_unknown_crs_is_refused():
    with pytest.raises(ValueError):
        coords.to_wgs84(131.0, 45.7, "epsg:3857")
