"""Demo stations at the seed's scale: 132 红色驿站 over the urban grids (one at the most
populous grid of every community, the rest hosted by shops, banks and filling stations in the
most populous communities) and the 2 暖蜂驿站·工会驿站 pilot sites in the district centres.

Names, addresses, services and hours are invented (deterministic for a seed); each station's
grid_code is the grid its point falls in.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from grids.demo import CORES
from grids.locate import GridIndex
from layers.demo.people import points_in

RED_STATIONS = 132
HUB = ("社区党群服务中心", "每日 08:00–20:00")
# Hosts of the stations beyond one per community: (name, opening hours).
HOSTS = (("中国石油加油站", "全天 24 小时"), ("邮储银行网点", "工作日 08:30–17:00"),
         ("连锁超市", "每日 07:30–21:30"), ("大药房", "每日 08:00–21:00"),
         ("物业服务中心", "每日 08:00–18:00"), ("快递驿站", "每日 09:00–20:00"))
# Share of red stations offering each service beyond rest, charging and water (all do).
SERVICE_SHARE = {"hot_meal": 0.85, "toilet": 0.7, "first_aid": 0.5, "legal_advice": 0.6}
ALWAYS = ("rest", "charging", "water")
WARM_BEE = (("230903", "桃山区总工会"), ("230902", "新兴区总工会"))
WARM_BEE_SERVICES = ALWAYS + tuple(SERVICE_SHARE)

_GRIDS = text(
    "SELECT g.code, g.name, g.population, c.name AS community, s.name AS street, "
    "d.name AS district, ST_AsBinary(g.geom) AS wkb FROM grids g "
    "JOIN communities c ON c.code = g.community_code JOIN streets s ON s.code = c.street_code "
    "JOIN districts d ON d.code = s.district_code WHERE g.valid_to IS NULL ORDER BY g.code")
_INSERT = text(
    "INSERT INTO stations (kind, name, address, services, opening_hours, grid_code, geom) "
    "SELECT r.kind, r.name, r.address, string_to_array(r.services, ',')::varchar[], r.hours, "
    "r.grid, ST_SetSRID(ST_MakePoint(r.x, r.y), 4326) FROM unnest(CAST(:kinds AS text[]), "
    "CAST(:names AS text[]), CAST(:addresses AS text[]), CAST(:services AS text[]), "
    "CAST(:hours AS text[]), CAST(:grids AS text[]), CAST(:xs AS float8[]), "
    "CAST(:ys AS float8[])) AS r (kind, name, address, services, hours, grid, x, y)")


def _services(rng: np.random.Generator) -> str:
    """Return one red station's services, comma-separated."""
    extra = [s for s, share in SERVICE_SHARE.items() if rng.random() < share]
    return ",".join(ALWAYS + tuple(extra))


Site = tuple[dict, str, str, str, str]  # grid row, kind, name, opening hours, host


def _sites(grids: list[dict], rng: np.random.Generator) -> list[Site]:
    """Return the red stations: one at the most populous grid of every community, the rest
    hosted in a random grid of the most populous communities."""
    by_community: dict[str, list[dict]] = defaultdict(list)
    for g in grids:
        by_community[g["community"]].append(g)
    people = {c: sum(g["population"] or 0 for g in gs) for c, gs in by_community.items()}
    sites = []
    for community, gs in sorted(by_community.items(), key=lambda kv: kv[1][0]["code"]):
        hub = max(gs, key=lambda g: (g["population"] or 0, g["code"]))
        sites.append((hub, "red_station", f"{community}红色驿站", HUB[1], HUB[0]))
    busiest = sorted(people, key=lambda c: (-people[c], c))
    for i in range(RED_STATIONS - len(sites)):
        community = busiest[i % len(busiest)]
        host, hours = HOSTS[i % len(HOSTS)]
        grid = by_community[community][int(rng.integers(len(by_community[community])))]
        sites.append((grid, "red_station", f"{community}红色驿站（{host}）", hours, host))
    return sites


def _warm_bee_sites(grids: list[dict], index: GridIndex) -> list[Site]:
    """Return the two pilot sites, each in the grid at its district's centre."""
    by_code = {g["code"]: g for g in grids}
    sites = []
    for district, union in WARM_BEE:
        (lon, lat), _, _ = CORES[district]
        code = index.locate_many(np.array([lon]), np.array([lat]))[0]
        if code in by_code:
            sites.append((by_code[code], "warm_bee", f"暖蜂驿站·工会驿站（{union}）",
                          "全天 24 小时", f"{union}职工服务中心"))
    return sites


def load(session: Session, seed: int) -> int:
    """Write the demo stations in one statement (lon/lat WGS84); return how many."""
    rng = np.random.default_rng(seed + 132)
    grids = [dict(r) for r in session.execute(_GRIDS).mappings()]
    if not grids:
        return 0
    index = GridIndex([g["code"] for g in grids],
                      shapely.from_wkb([bytes(g["wkb"]) for g in grids]))
    geom_of = dict(zip(index.codes, index.geoms, strict=True))
    sites = _sites(grids, rng) + _warm_bee_sites(grids, index)
    home = np.array([geom_of[g["code"]] for g, *_ in sites], dtype=object)
    xy = points_in(home, rng)
    codes = index.locate_many(xy[:, 0], xy[:, 1])
    rows = {"kinds": [], "names": [], "addresses": [], "services": [], "hours": [], "grids": []}
    for (g, kind, name, hours, host), code in zip(sites, codes, strict=True):
        rows["kinds"].append(kind)
        rows["names"].append(name)
        rows["addresses"].append(f"{g['district']}{g['street']}{g['name']}，{host}")
        rows["services"].append(",".join(WARM_BEE_SERVICES) if kind == "warm_bee"
                                else _services(rng))
        rows["hours"].append(hours)
        rows["grids"].append(code)
    session.execute(_INSERT, {**rows, "xs": xy[:, 0].tolist(), "ys": xy[:, 1].tolist()})
    return len(sites)
