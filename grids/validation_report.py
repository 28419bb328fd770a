"""What a grid file check reports: the reasons, the problems and repairs found, tolerances."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd

REASONS = {
    "no_features": "文件中没有网格 no grids in the file",
    "missing_geometry": "缺少几何 missing geometry",
    "not_polygon": "不是面 not a polygon",
    "invalid_geometry": "几何无效 invalid geometry",
    "outside_city": "不在七台河范围内 outside Qitaihe",
    "missing_code": "缺少编码 missing code",
    "duplicate_code": "编码重复 duplicate code",
    "bad_code": "编码不是15位数字 code is not 15 digits",
    "community_mismatch": "编码与所属社区/街道不符 code does not fit its community",
    "unknown_street": "街道未知 unknown street",
    "bad_kind": "网格类型未知 unknown grid kind",
    "bad_number": "户数/人口不是非负整数 households/population not a whole number",
    "too_long": "名称过长 name too long",
    "overlap": "网格重叠 grids overlap",
    "gap": "社区内有空隙 gap inside a community",
}

@dataclass(frozen=True)
class Tolerances:
    """Largest overlap between two grids and largest gap inside a community, in m²."""

    overlap_m2: float = 1.0
    gap_m2: float = 1.0


@dataclass(frozen=True)
class Problem:
    """One reason to refuse the file: the feature (1-based row, code) and what is wrong."""

    row: int | None
    code: str | None
    reason: str
    detail: str = ""

    def line(self) -> str:
        """Return one short Chinese+English line naming the feature and the reason."""
        where = f"第 {self.row} 行 row {self.row} · " if self.row else ""
        return f"✗ {where}{self.code or '?'} · {REASONS[self.reason]}: {self.detail}".rstrip(": ")


@dataclass(frozen=True)
class Repair:
    """A geometry repaired with make_valid (only with --repair): the feature and what changed."""

    row: int
    code: str | None
    detail: str

    def line(self) -> str:
        """Return one short Chinese+English line naming the repaired feature."""
        where = f"第 {self.row} 行 row {self.row} · {self.code or '?'}"
        return f"✓ 已修复 repaired {where}: {self.detail}"


@dataclass
class Report:
    """The outcome of checking (and maybe importing) a file; `frame` is the checked data."""

    source: str
    features: int
    problems: list[Problem] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    frame: gpd.GeoDataFrame | None = None
    dry_run: bool = False
    written: int = 0
    source_id: int | None = None

    @property
    def ok(self) -> bool:
        """Return True when nothing in the file stops the import."""
        return not self.problems

    def text(self) -> str:
        """Return the report as short Chinese+English lines for a terminal."""
        lines = [
            f"校验报告 Validation report: {self.source}",
            f"  网格 features: {self.features}；问题 problems: {len(self.problems)}；"
            f"修复 repairs: {len(self.repairs)}",
        ]
        lines += ["  " + r.line() for r in self.repairs]
        lines += ["  " + p.line() for p in self.problems]
        if not self.ok:
            lines.append("结论：拒绝导入，未写入任何数据 Refused: nothing was written.")
        elif self.dry_run:
            lines.append("结论：校验通过（试运行，未写入）Valid (dry run: nothing was written).")
        else:
            lines.append("结论：校验通过 Valid.")
        return "\n".join(lines)
