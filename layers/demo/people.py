"""Demo members at the seed's scale: grid leaders and workers, professional members from the
ten departments, delivery riders, part-time members from organisations, volunteers.

Names, phones and positions are invented (deterministic for a seed).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from grids.locate import GridIndex
from layers.access import roles, users
from layers.demo import users as demo_users
from layers.members.store import KINDS, link_login

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰春梅红建国志云海燕鹏飞宇欣怡")
PLATFORMS = ["美团外卖", "饿了么", "顺丰同城", "京东到家", "闪送"]
ORGANISATIONS = ["市财政局", "市教育局", "市人社局", "市自然资源局", "市交通运输局", "市文旅局",
                 "市税务局", "市农业农村局", "七台河职业学院", "市第一中学", "龙煤七台河分公司",
                 "市人民医院", "市图书馆", "桃山区委组织部", "新兴区政府办", "茄子河区政府办"]
SCALE = {"part_time": 4000, "volunteer": 2000, "rider": 371, "professional_per_dept": 130}
ACCURACY_M = (5.0, 60.0)  # range of the demo positions' reported accuracy
DEMO_RIDER = "rider"  # login name of the demo rider account


def _names(rng: np.random.Generator, n: int) -> list[str]:
    sur = rng.choice(SURNAMES, n)
    given = ["".join(rng.choice(GIVEN, int(k))) for k in rng.integers(1, 3, n, endpoint=True)]
    return [s + g for s, g in zip(sur, given, strict=True)]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    return [f"1{p}{x:08d}" for p, x in zip(rng.choice(["38", "39", "58", "86", "87"], n),
                                           rng.integers(0, 10**8, n), strict=True)]


def points_in(geoms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return one uniformly random (lon, lat) inside each geometry, as an (n, 2) array."""
    out = np.full((len(geoms), 2), np.nan)
    bounds = shapely.bounds(geoms)
    todo = np.arange(len(geoms))
    while len(todo):
        b = bounds[todo]
        x, y = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        hit = shapely.contains_xy(geoms[todo], x, y)
        out[todo[hit]] = np.column_stack([x[hit], y[hit]])
        todo = todo[~hit]
    return out


def _plan(index: GridIndex, rng: np.random.Generator, scale: dict) -> list[dict]:
    """Return member rows with their responsible grids (no positions yet)."""
    codes = list(index.codes)
    by_comm: dict[str, list[str]] = defaultdict(list)
    for c in codes:
        by_comm[c[:12]].append(c)
    plan = [{"kind": k, "grids": [c]} for c in codes for k in ("grid_leader", "grid_worker")]
    comms = sorted(by_comm)
    departments = ["police", "heating", "water", "power", "housing", "civil", "urban", "market",
                   "health", "river"]
    for dep in departments:
        for i in range(scale["professional_per_dept"]):
            comm = comms[i % len(comms)]
            plan.append({"kind": "professional", "department": dep, "grids": by_comm[comm]})
    for i in range(scale["rider"]):
        start = int(rng.integers(0, len(codes) - 2))
        plan.append({"kind": "rider", "platform": PLATFORMS[i % len(PLATFORMS)],
                     "grids": codes[start:start + 3]})
    for kind in ("part_time", "volunteer"):
        for g in rng.choice(codes, scale[kind]):
            plan.append({"kind": kind, "grids": [str(g)],
                         "organisation": str(rng.choice(ORGANISATIONS))
                         if kind == "part_time" else None})
    return plan


def _ids(session: Session, n: int) -> list[int]:
    return list(session.execute(text(
        "SELECT nextval('members_id_seq') FROM generate_series(1, :n)"), {"n": n}).scalars())


def _member_rows(plan: list[dict], ids: list[int], index: GridIndex, rng, now) -> list[dict]:
    geom_of = dict(zip(index.codes, index.geoms, strict=True))
    home = np.array([geom_of[p["grids"][0]] for p in plan], dtype=object)
    xy = points_in(home, rng)
    mobile = np.array([p["kind"] not in ("part_time", "volunteer") for p in plan])
    located = mobile | (rng.random(len(plan)) < 0.3)
    ages = rng.exponential(20, len(plan))
    names, phones = _names(rng, len(plan)), _phones(rng, len(plan))
    rows = []
    for i, p in enumerate(plan):
        rows.append({
            "id": ids[i], "kind": p["kind"], "name": names[i], "phone": phones[i],
            "dep": p.get("department"), "org": p.get("organisation"),
            "platform": p.get("platform"), "duty": bool(located[i] and rng.random() < 0.7),
            "x": float(xy[i, 0]) if located[i] else None,
            "y": float(xy[i, 1]) if located[i] else None,
            "at": now - timedelta(minutes=float(ages[i])) if located[i] else None,
            "acc": float(rng.uniform(*ACCURACY_M)) if located[i] else None,
        })
    return rows


def _link_demo_users(session: Session) -> None:
    """Give the demo grid worker and department staff logins a member record each."""
    session.execute(text(
        "UPDATE members m SET user_id = u.id FROM users u WHERE u.name = 'grid_worker' "
        "AND m.id = (SELECT mg.member_id FROM member_grids mg JOIN members x ON x.id = "
        "mg.member_id WHERE x.kind = 'grid_worker' AND mg.grid_code LIKE u.scope_code || '%' "
        "ORDER BY mg.grid_code LIMIT 1) "
        "AND NOT EXISTS (SELECT 1 FROM members WHERE user_id = u.id)"))
    session.execute(text(
        "UPDATE members m SET user_id = u.id FROM users u WHERE u.name = 'department_staff' "
        "AND m.id = (SELECT id FROM members WHERE kind = 'professional' "
        "AND department_code = u.department_code ORDER BY id LIMIT 1) "
        "AND NOT EXISTS (SELECT 1 FROM members WHERE user_id = u.id)"))


_DEMO_RIDER_MEMBER = text(
    "SELECT m.id, m.name FROM members m JOIN member_grids g ON g.member_id = m.id "
    "WHERE m.kind = 'rider' AND m.active AND m.user_id IS NULL GROUP BY m.id "
    "HAVING bool_or(g.grid_code LIKE :scope || '%') "
    "ORDER BY bool_and(g.grid_code LIKE :scope || '%') DESC, m.id LIMIT 1")


def create_demo_rider(session: Session) -> tuple[str, str, str] | None:
    """Create the demo rider's login (role rider: not staff, no scope) and link it to the
    first unlinked rider of the demo grid worker's community; return (name, role, password), or
    None when the login exists (migration 0014 made an older grid-worker one a rider's) or no
    such rider does. Flushed, not committed."""
    if users.get_user(session, DEMO_RIDER) is not None:
        return None
    found = session.execute(_DEMO_RIDER_MEMBER,
                            {"scope": demo_users.DEMO_SCOPES[roles.GRID_WORKER]}).first()
    if found is None:
        return None
    password = secrets.token_urlsafe(9)
    user = users.create_user(session, DEMO_RIDER, roles.RIDER, password,
                             display_name=f"演示{KINDS['rider']}{found.name}")
    link_login(session, found.id, user.id)
    return DEMO_RIDER, roles.RIDER, password


def has_members(session: Session) -> bool:
    """Return True when any member is stored."""
    return bool(session.execute(text("SELECT EXISTS (SELECT 1 FROM members)")).scalar())


def load(session: Session, seed: int, scale: dict | None = None,
         now: datetime | None = None) -> int:
    """Write the demo members, their grids and latest positions; return how many."""
    now, rng = now or datetime.now(UTC), np.random.default_rng(seed)
    index = GridIndex.load(session)
    plan = _plan(index, rng, scale or SCALE)
    rows = _member_rows(plan, _ids(session, len(plan)), index, rng, now)
    point = "ST_SetSRID(ST_MakePoint(CAST(:x AS float8), CAST(:y AS float8)), 4326)"
    session.execute(text(
        "INSERT INTO members (id, kind, name, phone, department_code, organisation, platform, "
        f"on_duty, position, position_at, position_accuracy_m) VALUES (:id, :kind, :name, "
        f":phone, :dep, :org, :platform, :duty, {point}, :at, :acc)"), rows)
    session.execute(text("INSERT INTO member_grids (member_id, grid_code) VALUES (:m, :g) "
                         "ON CONFLICT DO NOTHING"),
                    [{"m": r["id"], "g": g} for r, p in zip(rows, plan, strict=True)
                     for g in p["grids"]])
    session.execute(text(
        "INSERT INTO member_positions (member_id, geom, input_crs, accuracy_m, reported_at) "
        "SELECT id, position, 'wgs84', position_accuracy_m, position_at FROM members "
        "WHERE position IS NOT NULL AND id = ANY(:ids)"), {"ids": [r["id"] for r in rows]})
    session.execute(text(
        "INSERT INTO department_areas (department_code, area_code) SELECT d.code, t.code "
        "FROM departments d CROSS JOIN districts t ON CONFLICT DO NOTHING"))
    _link_demo_users(session)
    return len(rows)
