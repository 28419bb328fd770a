"""The official division codes: which district, street and community a code belongs to."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import PrivateAttr, model_validator

from gis.contracts import Contract, Param, fail
from gis.errors import BadInput

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


LEVEL_PARAMS = ("grid", "community", "street", "district")
LEVEL_NAMES = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}


def hierarchy_prefix(args: Mapping[str, str]) -> str | None:
    """Return the most specific of grid/community/street/district codes given (they must nest)."""
    within = None
    for name in LEVEL_PARAMS:
        value = args.get(name)
        if value is None:
            continue
        if level_of(value) != name:
            raise BadInput(f"参数 {name} 不是有效的{name}代码：{value[:20]!r}", "bad_code")
        if within is None or len(value) > len(within):
            if within is not None and not value.startswith(within):
                raise BadInput("区划参数互相矛盾（codes do not nest）", "bad_code")
            within = value
        elif not within.startswith(value):
            raise BadInput("区划参数互相矛盾（codes do not nest）", "bad_code")
    return within


def _code(level: str, digits: int) -> Any:
    return Param({"type": "string", "pattern": f"^[0-9]{{{digits}}}$",
                  "description": f"{LEVEL_NAMES[level]}代码 {level} code"})


class HierarchyQuery(Contract):
    """?district=, ?street=, ?community=, ?grid=: the most specific code given (they must
    nest) is `within`."""

    district: _code("district", 6) = None
    street: _code("street", 9) = None
    community: _code("community", 12) = None
    grid: _code("grid", 15) = None
    _within: str | None = PrivateAttr(None)

    @property
    def within(self) -> str | None:
        """Return the most specific code given (None: the whole city)."""
        return self._within

    @model_validator(mode="after")
    def _nested(self) -> HierarchyQuery:
        given = {k: getattr(self, k) for k in LEVEL_PARAMS if getattr(self, k) is not None}
        try:
            self._within = hierarchy_prefix(given)
        except BadInput as err:
            raise fail(str(err), next(iter(given)), err.code) from None
        return self
