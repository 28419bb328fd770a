"""GCJ-02 and BD-09 conversions against known points and round trips."""

import numpy as np
import pytest
import shapely
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


# Published pairs (googollee/eviltransform's tests): WGS84 lat, lon → GCJ-02 lat, lon.
PUBLISHED = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize("wlat,wlon,glat,glon", PUBLISHED)
def test_wgs84_to_gcj02_gives_the_published_pairs_to_the_millimetre(wlat, wlon, glat, glon):
    assert _metres(coords.wgs84_to_gcj02(wlon, wlat), (glon, glat)) < 0.001
    assert _metres(coords.gcj02_to_wgs84(glon, glat), (wlon, wlat)) < 0.001


def test_wgs84_to_gcj02_is_vectorised_and_round_trips_within_half_a_metre_over_the_city():
    lons, lats = np.meshgrid(np.linspace(130.4, 131.4, 41), np.linspace(45.5, 46.1, 31))
    glon, glat = coords.wgs84_to_gcj02(lons.ravel(), lats.ravel())
    assert glon.shape == (41 * 31,)
    assert (glon[7], glat[7]) == coords.wgs84_to_gcj02(lons.ravel()[7], lats.ravel()[7])
    back = np.column_stack(coords.gcj02_to_wgs84(glon, glat))
    true = np.column_stack([lons.ravel(), lats.ravel()])
    err = shapely.distance(to_metric(shapely.points(back)), to_metric(shapely.points(true)))
    assert err.max() <= 0.5
    shift = shapely.distance(to_metric(shapely.points(np.column_stack([glon, glat]))),
                             to_metric(shapely.points(true)))
    assert 300 < shift.min() and shift.max() < 900


def test_from_wgs84_is_the_inverse_of_to_wgs84_for_every_crs():
    for crs in coords.CRS_NAMES:
        lon, lat = coords.from_wgs84(131.0031, 45.7711, crs)
        assert _metres(coords.to_wgs84(lon, lat, crs), (131.0031, 45.7711)) < 0.5
    assert coords.from_wgs84(131.0031, 45.7711, "gcj02") == coords.wgs84_to_gcj02(131.0031, 45.7711)
    with pytest.raises(ValueError):
        coords.from_wgs84(131.0, 45.7, "epsg:3857")
