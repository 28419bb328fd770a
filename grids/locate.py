"""Which grid a point is in: one point through PostGIS, many points in memory."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import shapely
from pydantic import ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.checks import check_range, in_range, parse_crs, parse_number
from gis.contracts import CRS_SCHEMA, LAT_SCHEMA, LON_SCHEMA, Contract, Param, required
from gis.coords import to_wgs84
from gis.errors import BadInput, NotFound
from gis.srid import STORAGE

# A point on a shared boundary is covered by both grids: the lowest code wins, everywhere.
_LOCATE = text(
    f"""
    SELECT g.code, g.name, c.code, c.name, s.code, s.name, d.code, d.name
    FROM grids g
    JOIN communities c ON c.code = g.community_code
    JOIN streets s ON s.code = c.street_code
    JOIN districts d ON d.code = s.district_code
    WHERE g.valid_to IS NULL
      AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), {STORAGE}))
    ORDER BY g.code
    LIMIT 1
    """
)


@dataclass(frozen=True)
class Location:
    """A point's grid and the community, street and district above it."""

    grid_code: str
    grid_name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str
    district_code: str
    district_name: str
    lon: float
    lat: float

    def as_dict(self) -> dict:
        """Return the location as plain data (point in WGS84 lon/lat)."""
        d = asdict(self)
        point = {"lon": d.pop("lon"), "lat": d.pop("lat"), "crs": "wgs84"}
        return {**d, "point": point}


def find(session: Session, lon: float, lat: float) -> Location | None:
    """Return the location of a WGS84 (lon, lat) point, or None outside every grid."""
    row = session.execute(_LOCATE, {"lon": lon, "lat": lat}).first()
    return Location(*row, lon=lon, lat=lat) if row else None


_SWAPPED = "；经纬度写反了：交换 lon 与 lat 后落在市内网格（lon and lat are swapped）"


def _swapped_inside(session: Session, lon: float, lat: float, crs: str) -> bool:
    """Return True when (lat, lon) read the other way round falls inside a grid."""
    return in_range(lat, lon) and find(session, *to_wgs84(lat, lon, crs)) is not None


class LocateQuery(Contract):
    """?lon=&lat=&crs=: the point to locate."""

    model_config = ConfigDict(json_schema_extra=required("lon", "lat"))

    lon: Param({**LON_SCHEMA, "description": "经度"}, lambda raw: parse_number("lon", raw)) = \
        Field(None, validate_default=True)
    lat: Param({**LAT_SCHEMA, "description": "纬度"}, lambda raw: parse_number("lat", raw)) = \
        Field(None, validate_default=True)
    crs: Param({**CRS_SCHEMA, "description": "坐标系"}, parse_crs) = "wgs84"


def locate(session: Session, lon: float, lat: float, crs: str = "wgs84") -> Location:
    """Return the location of a point given in `crs`.

    Raises BadInput out of range and NotFound outside every grid, saying when lon and lat
    read the other way round would fall inside the city.
    """
    if not in_range(lon, lat):
        if _swapped_inside(session, lon, lat, crs):
            raise BadInput(f"坐标 ({lon}, {lat}) 超出范围{_SWAPPED}", "swapped_lon_lat")
        check_range(lon, lat)
    found = find(session, *to_wgs84(lon, lat, crs))
    if found:
        return found
    message = f"点 ({lon}, {lat}) 不在任何网格内（point is outside every grid）"
    if _swapped_inside(session, lon, lat, crs):
        raise NotFound(message + _SWAPPED, "swapped_lon_lat")
    raise NotFound(message, "outside_grids")


class GridIndex:
    """The current grids in memory, for locating many points at once (EPSG:4326)."""

    def __init__(self, codes: list[str], geoms: np.ndarray) -> None:
        order = np.argsort(np.asarray(codes))
        self.codes = np.asarray(codes, dtype=object)[order]
        self.geoms = np.asarray(geoms, dtype=object)[order]
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)

    @classmethod
    def load(cls, session: Session) -> GridIndex:
        """Return an index of the current grids read from the database."""
        rows = session.execute(
            text("SELECT code, ST_AsBinary(geom) FROM grids WHERE valid_to IS NULL")
        ).all()
        return cls([r[0] for r in rows], shapely.from_wkb([bytes(r[1]) for r in rows]))

    def locate_many(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Return the grid code for each WGS84 point (None outside), lowest code on ties."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        # for a point, 'intersects' is 'covered_by' (interior or boundary), and GEOS's
        # prepared intersects is ~2.5x faster
        inp, hit = self.tree.query(points, predicate="intersects")
        best = np.full(len(points), len(self.codes), dtype=np.int64)
        np.minimum.at(best, inp, hit)
        out = np.full(len(points), None, dtype=object)
        found = best < len(self.codes)
        out[found] = self.codes[best[found]]
        return out
