"""Checking imported demand rows all at once (vectorised): every bad row and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.checks import UNSAFE_TEXT
from gis.coords import to_wgs84
from grids.locate import GridIndex
from layers.demands.fields import SOURCES

REQUIRED = ("title", "category", "lon", "lat", "created_at")
OPTIONAL = ("code", "description", "crs", "address", "source", "state", "closed_at",
            "reporter_name", "reporter_phone")
FIELDS = REQUIRED + OPTIONAL
IMPORT_STATES = ("received", "closed")
LIMITS = {"title": 200, "description": 5000, "address": 300, "reporter_name": 50, "code": 20,
          "reporter_phone": 20}
EARLIEST = np.datetime64("2000-01-01T00:00:00", "us")
LOCAL_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai, without DST since 1991
_AWARE = r"\d[T ]\d.*(?:Z|[+-]\d\d(?::?\d\d)?)$"
_PHONE = r"^\+?[0-9][0-9 \-]{4,19}$"


@dataclass
class Problems:
    """What is wrong with which rows: (mask over the rows, message) pairs."""

    lines: np.ndarray
    found: list[tuple[np.ndarray, str]] = field(default_factory=list)

    def add(self, mask: np.ndarray | pd.Series, message: str) -> None:
        """Record `message` for every row where mask is true."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.found.append((mask, message))

    @property
    def bad(self) -> np.ndarray:
        """Return a mask of the rows with at least one problem."""
        out = np.zeros(len(self.lines), dtype=bool)
        for mask, _ in self.found:
            out |= mask
        return out

    def entries(self, limit: int = 50) -> list[tuple[int, str]]:
        """Return (line, 'line N: reason; reason') for the first `limit` bad rows by line."""
        rows = np.nonzero(self.bad)[0]
        rows = rows[np.argsort(self.lines[rows], kind="stable")][:limit]
        return [(int(self.lines[r]), f"line {self.lines[r]}: "
                 + "; ".join(m for mask, m in self.found if mask[r])) for r in rows]


def _texts(frame: pd.DataFrame, problems: Problems) -> None:
    for name, limit in LIMITS.items():
        col = frame[name]
        problems.add(col.str.len() > limit, f"{name} 最多 {limit} 个字符（too long）")
        problems.add(col.str.contains(UNSAFE_TEXT, regex=True),
                     f"{name} 含有控制字符（control character）")
    problems.add(frame["title"] == "", "title 必填（required）")
    phone = frame["reporter_phone"]
    problems.add((phone != "") & ~phone.str.match(_PHONE),
                 "reporter_phone 电话号码格式不对（bad phone number）")


def _choices(frame: pd.DataFrame, problems: Problems, categories: pd.DataFrame) -> None:
    cat = frame["category"]
    problems.add(cat == "", "category 必填（required）")
    problems.add((cat != "") & ~cat.isin(categories.index),
                 "category 不是可用的小类（unknown category）")
    problems.add(~frame["source"].isin(("", *SOURCES)), f"source 应为：{', '.join(SOURCES)}")
    problems.add(~frame["crs"].str.lower().isin(("", "wgs84", "gcj02", "bd09")),
                 "crs 应为 wgs84、gcj02 或 bd09（unknown coordinate system）")
    problems.add(~frame["state"].isin(("", *IMPORT_STATES)),
                 "state 应为 received 或 closed（unknown state）")


def to_floats(col: pd.Series) -> np.ndarray:
    """Return text as float64 (NaN where not a number); Arrow's cast first, pandas if it fails."""
    try:
        return pc.cast(pa.array(col), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _number(col: pd.Series, name: str, low: float, high: float, problems: Problems) -> np.ndarray:
    values = to_floats(col)
    problems.add(col == "", f"{name} 必填（required）")
    problems.add((col != "") & ~np.isfinite(values), f"{name} 不是有限数字（not a number）")
    problems.add(np.isfinite(values) & ((values < low) | (values > high)),
                 f"{name} 超出范围 [{low:g}, {high:g}]（out of range）")
    return values


def parse_times(col: pd.Series) -> np.ndarray:
    """Return UTC datetime64[us] (NaT where unreadable); times without a zone are Shanghai's."""
    cleaned = col.str.replace("/", "-", regex=False)
    parsed = pd.to_datetime(cleaned, format="ISO8601", errors="coerce", utc=True)
    retry = parsed.isna() & (cleaned != "")
    if retry.any():
        parsed[retry] = pd.to_datetime(cleaned[retry], format="mixed", errors="coerce", utc=True)
    out = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    naive = ~cleaned.str.contains(_AWARE, regex=True).to_numpy(dtype=bool)
    return np.where(naive, out - LOCAL_OFFSET, out)


def _times(frame: pd.DataFrame, problems: Problems, now: datetime) -> tuple[np.ndarray, ...]:
    created, closed = parse_times(frame["created_at"]), parse_times(frame["closed_at"])
    latest = np.datetime64(now.astimezone(UTC).replace(tzinfo=None) + timedelta(minutes=5), "us")
    for name, values in (("created_at", created), ("closed_at", closed)):
        given = (frame[name] != "").to_numpy()
        problems.add(given & np.isnat(values), f"{name} 不是日期时间（not a date/time）")
        problems.add(~np.isnat(values) & ((values < EARLIEST) | (values > latest)),
                     f"{name} 应在 2000-01-01 与现在之间（out of range）")
    problems.add(frame["created_at"] == "", "created_at 必填（required）")
    problems.add(closed < created, "closed_at 早于 created_at（closed before created）")
    state = np.where(frame["state"] == "", np.where(np.isnat(closed), "received", "closed"),
                     frame["state"].to_numpy(dtype=object))
    problems.add((state == "closed") & np.isnat(closed), "state closed 需要 closed_at")
    problems.add((state != "closed") & ~np.isnat(closed), "closed_at 只用于 closed 的诉求")
    return created, closed, state


def _place(frame: pd.DataFrame, problems: Problems, index: GridIndex) -> tuple[np.ndarray, ...]:
    lon = _number(frame["lon"], "lon", -180, 180, problems)
    lat = _number(frame["lat"], "lat", -90, 90, problems)
    crs = frame["crs"].str.lower().replace("", "wgs84").to_numpy(dtype=object)
    wlon, wlat = lon.copy(), lat.copy()
    for name in ("gcj02", "bd09"):
        rows = crs == name
        if rows.any():
            wlon[rows], wlat[rows] = to_wgs84(lon[rows], lat[rows], name)
    ok = np.isfinite(wlon) & np.isfinite(wlat)
    grid = np.full(len(frame), None, dtype=object)
    grid[ok] = index.locate_many(wlon[ok], wlat[ok])
    outside = ok & pd.isna(grid)
    swapped = np.zeros(len(frame), dtype=bool)
    if outside.any():
        slon, slat = wlat[outside], wlon[outside]
        swapped[outside] = pd.notna(index.locate_many(slon, slat))
    problems.add(outside & ~swapped, "位置不在任何网格内（outside every grid）")
    problems.add(swapped, "经纬度写反了（lon and lat are swapped）")
    return lon, lat, crs, wlon, wlat, grid


def _codes(frame: pd.DataFrame, problems: Problems, known: Known) -> None:
    code = frame["code"]
    problems.add(code.isin(known.repeated_codes), "code 在文件中重复（duplicate code）")
    problems.add(code.isin(known.taken_codes), "code 已存在（code already stored）")


def active_small_classes(session: Session) -> pd.DataFrame:
    """Return the active small classes indexed by code with limit_amount and limit_unit."""
    rows = session.execute(text(
        "SELECT code, limit_amount, limit_unit FROM categories "
        "WHERE parent_code IS NOT NULL AND active")).all()
    return pd.DataFrame(rows, columns=["code", "limit_amount", "limit_unit"]).set_index("code")


@dataclass(frozen=True)
class Known:
    """What checking a part of a file needs from the database and from the whole file."""

    categories: pd.DataFrame
    taken_codes: frozenset[str]
    repeated_codes: frozenset[str]
    given_codes: frozenset[str]

    @classmethod
    def load(cls, session: Session, frame: pd.DataFrame) -> Known:
        """Read the small classes and which of the file's codes are stored or repeated."""
        code = frame["code"]
        given = code[code != ""]
        taken = session.execute(text("SELECT code FROM demands WHERE code = ANY(:c)"),
                                {"c": given.unique().tolist()}).scalars().all() \
            if len(given) else []
        return cls(active_small_classes(session), frozenset(taken),
                   frozenset(given[given.duplicated()].unique()), frozenset(given.unique()))


def check_rows(frame: pd.DataFrame, known: Known, index: GridIndex,
               now: datetime) -> tuple[pd.DataFrame, Problems]:
    """Return the rows with checked, derived columns (WGS84 point, grid, UTC times, state)
    and the problems found; `frame` holds one text column per field and 'line'. Touches no
    database, so parts of a file can be checked while others are written."""
    problems = Problems(frame["line"].to_numpy())
    _texts(frame, problems)
    _choices(frame, problems, known.categories)
    created, closed, state = _times(frame, problems, now)
    lon, lat, crs, wlon, wlat, grid = _place(frame, problems, index)
    _codes(frame, problems, known)
    out = frame.assign(input_lon=lon, input_lat=lat, input_crs=crs, lon_w=wlon, lat_w=wlat,
                       grid_code=grid, created=created, closed=closed, state=state)
    return out, problems
