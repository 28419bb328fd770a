"""The coordinate systems gridgov uses, decided once.

- Storage: EPSG:4326 (lon, lat). CGCS2000 (EPSG:4490) equals it within centimetres.
- Metric work (areas, overlaps, gaps, simplification tolerances): EPSG:4553,
  CGCS2000 / 3-degree Gauss-Kruger CM 132E, the zone that covers Qitaihe.
- Distances between points and nearest-neighbour ordering: geography (geodesic metres),
  never 4326 degrees (at 45.8 N a degree of longitude is 0.70 of a degree of latitude).
"""

STORAGE = 4326
CGCS2000 = 4490
METRIC = 4553

# The city as a whole, lon/lat (WGS84): a generous frame used to reject absurd points.
CITY_BBOX = (129.5, 45.0, 132.5, 46.6)
# Every lon/lat the platform accepts from a caller must be a real coordinate.
LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)
