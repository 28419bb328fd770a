"""Deterministic tessellation of a polygon into cells of about equal area (metric CRS)."""

from __future__ import annotations

import numpy as np
import shapely
from shapely import MultiPoint, Polygon


def polygon_parts(geom) -> list[Polygon]:
    """Return the polygonal parts of any geometry, largest first."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    for g in shapely.get_parts(geom):
        if g.geom_type in ("MultiPolygon", "GeometryCollection"):
            parts.extend(polygon_parts(g))
    return sorted(parts, key=lambda p: -p.area)


def sample_points(poly: Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return n points drawn uniformly inside `poly`, as an (n, 2) array."""
    minx, miny, maxx, maxy = poly.bounds
    out: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(n * 2, 2))
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        out.append(xy)
        count += len(xy)
    return np.concatenate(out)[:n]


def centroidal_seeds(poly: Polygon, k: int, rng: np.random.Generator, rounds: int = 25):
    """Return k seeds spread evenly over `poly` (Lloyd's k-means on uniform samples)."""
    pts = sample_points(poly, max(60 * k, 200), rng)
    centres = pts[rng.choice(len(pts), size=k, replace=False)]
    for _ in range(rounds):
        nearest = np.argmin(((pts[:, None, :] - centres[None, :, :]) ** 2).sum(-1), axis=1)
        for i in range(k):
            members = pts[nearest == i]
            if len(members):
                centres[i] = members.mean(axis=0)
    return centres


def _merge_fragment(cells: list[Polygon], frag: Polygon) -> None:
    """Merge `frag` into the cell that shares the longest boundary with it."""
    shared = [shapely.length(shapely.intersection(c.boundary, frag.boundary)) for c in cells]
    best = int(np.argmax(shared))
    merged = polygon_parts(shapely.union(cells[best], frag))
    cells[best] = merged[0] if len(merged) == 1 else cells[best]


def tessellate(poly: Polygon, k: int, rng: np.random.Generator) -> list[Polygon]:
    """Return k single-part cells that tile `poly` exactly (Voronoi of centroidal seeds)."""
    if k == 1:
        return [poly]
    seeds = centroidal_seeds(poly, k, rng)
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=poly, ordered=True)
    cells: list[Polygon] = []
    fragments: list[Polygon] = []
    for cell in shapely.get_parts(diagram):
        parts = polygon_parts(shapely.intersection(cell, poly))
        cells.append(parts[0])
        fragments.extend(parts[1:])
    for frag in fragments:
        _merge_fragment(cells, frag)
    return cells


def reading_order(polys: list[Polygon], row_height: float) -> list[int]:
    """Return indices of `polys` numbered west→east within rows, rows north→south."""
    pts = [p.representative_point() for p in polys]
    top = max(p.y for p in pts)
    return sorted(
        range(len(polys)), key=lambda i: (int((top - pts[i].y) // row_height), pts[i].x)
    )


def node_coverage(cells: list[Polygon]) -> list[Polygon]:
    """Return the cells rebuilt from their noded boundaries, so that neighbours share every
    vertex (no T-junctions): their union then has no slivers or pinholes."""
    lines = shapely.union_all(shapely.boundary(np.asarray(cells, dtype=object)))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(cells)
    owned: list[list[Polygon]] = [[] for _ in cells]
    for face in faces:
        hits = tree.query(face, predicate="intersects")
        if len(hits) == 0:
            continue  # a hole between cells, outside every one
        areas = shapely.area(shapely.intersection(np.take(cells, hits), face))
        if areas.max() > 0:
            owned[int(hits[int(np.argmax(areas))])].append(face)
    return [polygon_parts(shapely.union_all(parts))[0] for parts in owned]
