"""Settings from environment variables, all prefixed GRIDGOV_."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "GRIDGOV_"
REPO_ROOT = Path(__file__).resolve().parent.parent
TILE_CRS_NAMES: tuple[str, ...] = ("wgs84", "gcj02")
"""Datums a basemap of plain {z}/{x}/{y} tiles can be in: WGS84 (OSM and most servers) or
GCJ-02 (Amap, Tencent). Baidu's BD-09 tiles use their own tiling, which Leaflet cannot show."""


class SettingsError(ValueError):
    """A GRIDGOV_ variable holds a value the platform cannot use."""


def check_tile_crs(value: str | None) -> str:
    """Return the basemap tiles' datum, 'wgs84' (also when empty) or 'gcj02' (any case);
    SettingsError naming GRIDGOV_TILE_CRS otherwise."""
    norm = (value or "").strip().lower() or "wgs84"
    if norm not in TILE_CRS_NAMES:
        raise SettingsError(
            f"{PREFIX}TILE_CRS={str(value)[:30]!r} 无效：应为 wgs84 或 gcj02（底图瓦片的坐标系；"
            "高德、腾讯瓦片为 gcj02）— must be wgs84 or gcj02")
    return norm


def _env(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, default)


def _weights(raw: str) -> tuple[float, float, float]:
    """Return three non-negative weights from 'a,b,c' (not all 0); SettingsError naming
    GRIDGOV_RATE_WEIGHTS otherwise."""
    try:
        values = tuple(float(x) for x in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 0 or not sum(values):
        raise SettingsError(f"{PREFIX}RATE_WEIGHTS={raw[:30]!r} 无效：应为三个非负数，如 30,35,35"
                            "（响应率、解决率、满意率的权重）")
    return values  # type: ignore[return-value]


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every field can be set as GRIDGOV_<FIELD NAME IN CAPITALS>."""

    database_url: str = field(
        default_factory=lambda: _env(
            "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/gridgov"
        )
    )
    test_database_url: str = field(
        default_factory=lambda: _env(
            "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/gridgov_test"
        )
    )
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "5000")))
    tile_url: str = field(default_factory=lambda: _env("TILE_URL", ""))
    tile_attribution: str = field(default_factory=lambda: _env("TILE_ATTRIBUTION", ""))
    tile_crs: str = field(default_factory=lambda: _env("TILE_CRS", "wgs84"))  # TILE_CRS_NAMES
    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY", ""))
    demo_seed: int = field(default_factory=lambda: int(_env("DEMO_SEED", "230900")))
    duplicate_radius_m: float = field(
        default_factory=lambda: float(_env("DUPLICATE_RADIUS_M", "50"))
    )
    duplicate_hours: float = field(default_factory=lambda: float(_env("DUPLICATE_HOURS", "72")))
    reopen_days: float = field(default_factory=lambda: float(_env("REOPEN_DAYS", "7")))
    rate_weights: tuple[float, float, float] = field(  # 响应率, 解决率, 满意率 in the score
        default_factory=lambda: _weights(_env("RATE_WEIGHTS", "30,35,35")))
    min_ratings: int = field(default_factory=lambda: int(_env("MIN_RATINGS", "5")))
    basic_is_satisfied: bool = field(
        default_factory=lambda: _env("BASIC_SATISFIED", "1").strip().lower() not in
        ("0", "false", "no", "off"))
    media_dir: str = field(  # uploaded photos; outside the web root
        default_factory=lambda: _env("MEDIA_DIR", str(REPO_ROOT / "var" / "media"))
    )


def load() -> Settings:
    """Return the settings read from the environment now."""
    return Settings()
