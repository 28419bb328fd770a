"""The official division codes: which district, street and community a code belongs to."""

from __future__ import annotations

import re

CITY_CODE = "230900"
DISTRICTS: dict[str, str] = {
    "230902": "新兴区",
    "230903": "桃山区",
    "230904": "茄子河区",
    "230921": "勃利县",
}
STREETS: dict[str, str] = {
    "230903011": "桃东街道",
    "230903012": "桃南街道",
    "230903013": "桃西街道",
    "230903014": "桃北街道",
    "230903015": "桃源街道",
    "230903016": "桃山街道",
    "230903100": "万宝河镇",
    "230902031": "兴安街道",
    "230902032": "兴富街道",
    "230902033": "兴和街道",
    "230902034": "兴盛街道",
    "230902035": "欣源街道",
    "230902036": "北山街道",
    "230902037": "兴华街道",
    "230902038": "金沙街道",
    "230904001": "东风街道",
    "230904003": "富强街道",
    "230904005": "龙湖街道",
    "230904006": "东胜街道",
    "230904007": "湖东街道",
    "230904008": "通达街道",
    "230921001": "新起街道",
    "230921002": "新华街道",
    "230921003": "元明街道",
    "230921004": "铁西街道",
    "230921005": "城西街道",
}

_LEVELS = {6: "district", 9: "street", 12: "community", 15: "grid"}
_DIGITS = re.compile(r"^[0-9]+$")


def level_of(code: str) -> str | None:
    """Return 'district', 'street', 'community' or 'grid' for a code of that length, else None."""
    if not isinstance(code, str) or not _DIGITS.match(code):
        return None
    return _LEVELS.get(len(code))


def parents(code: str) -> dict[str, str]:
    """Return the codes above a grid/community/street code: {'district': …, 'street': …, …}."""
    out: dict[str, str] = {}
    for length, level in _LEVELS.items():
        if length < len(code):
            out[level] = code[:length]
    return out

# 基础网格: an ordinary residential grid; 专属网格: a school, hospital, market or other unit.
GRID_KINDS: tuple[str, ...] = ("基础网格", "专属网格")
