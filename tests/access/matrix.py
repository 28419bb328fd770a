"""The world the route matrix runs in: one login per role scoped to one street, and each kind
of object once inside that street and once outside it; what each route is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text

from layers.access import roles
from layers.access.actors import RESIDENT_ROLE
from layers.open311 import post as open311_post
from tests import factories
from tests.evaluations import rows as evaluation_rows
from tests.people import add_member

STREET_IN, STREET_OUT = "230903011", "230902031"  # 桃东街道 (the logins' scope), 兴安街道
ROLES = (RESIDENT_ROLE, roles.RIDER, *roles.ALL)
WHERE = ("in", "out")


@dataclass
class World:
    """Logins by role (user, token) and objects by kind and place ('in' / 'out')."""

    logins: dict[str, tuple] = field(default_factory=dict)
    grid: dict[str, str] = field(default_factory=dict)
    community: dict[str, str] = field(default_factory=dict)
    demand: dict[str, dict] = field(default_factory=dict)
    member: dict[str, int] = field(default_factory=dict)
    rider: dict[str, int] = field(default_factory=dict)
    station: dict[str, int] = field(default_factory=dict)
    review: dict[str, int] = field(default_factory=dict)
    evaluation_round: dict[str, int] = field(default_factory=dict)  # a street's draft round
    department: str = ""
    api_key: str = ""


def _first_grid(session, street: str) -> str:
    return session.execute(text(
        "SELECT code FROM grids WHERE valid_to IS NULL AND code LIKE :s || '%' ORDER BY code "
        "LIMIT 1"), {"s": street}).scalar_one()


def build(session) -> World:
    """Create the logins and the objects inside the test's transaction."""
    w = World(department=session.execute(text(
        "SELECT code FROM departments ORDER BY code LIMIT 1")).scalar_one())
    for role in ROLES[1:]:
        scoped = role != roles.RIDER
        w.logins[role] = factories.login(
            session, f"m_{role}", role, STREET_IN if scoped else None,
            w.department if role == roles.DEPARTMENT_STAFF else None)
    for where, street in (("in", STREET_IN), ("out", STREET_OUT)):
        grid = w.grid[where] = _first_grid(session, street)
        w.community[where] = grid[:12]
        w.demand[where] = factories.demand(session, grid)
        w.member[where] = add_member(session, f"成员{where}", [grid], kind="grid_worker")
        w.rider[where] = add_member(session, f"骑手{where}", [grid])
        w.station[where] = factories.station(session, grid)
        w.review[where] = factories.review_request(session, w.rider[where], grid[:12])
        w.evaluation_round[where] = evaluation_rows.community_round(session, street,
                                                                    state="draft")
    w.api_key = open311_post.issue_key(session, "matrix")
    session.commit()
    return w


@dataclass(frozen=True)
class Spec:
    """How to call one endpoint: URL values and query for a place, the body, and the rule
    that reaches other people's objects (`also`); `deny`: roles the domain refuses outright;
    `done`: for pages that answer refusals with a flash, whether the change was made."""

    values: Callable[[World, str], dict] | None = None
    code: Callable[[World, str], str] | None = None
    query: Callable[[World, str], dict] | None = None
    body: Callable[[World, str], dict] | None = None
    also: str | None = None
    deny: tuple[str, ...] = ()
    done: Callable[[object, World, str, str], bool] | None = None


def _demand(key: str = "code") -> Callable[[World, str], dict]:
    return lambda w, where: {key: w.demand[where]["code"]}


def _id(kind: str, key: str) -> Callable[[World, str], dict]:
    return lambda w, where: {key: getattr(w, kind)[where]}


def _grid_of(w: World, where: str) -> str:
    return w.grid[where]


def _user_id(w: World, role: str) -> int | None:
    return w.logins[role][0].id if role in w.logins else None


def _activity_done(session, w: World, where: str, role: str) -> bool:
    """Return whether `role`'s login recorded an activity for the rider at `where`."""
    return bool(session.execute(text(
        "SELECT count(*) FROM rider_activities WHERE member_id = :m AND recorded_by = :u"),
        {"m": w.rider[where], "u": _user_id(w, role)}).scalar())


def _decided(session, w: World, where: str, role: str) -> bool:
    """Return whether `role`'s login decided the request at `where`, and make it pending
    again for the next role."""
    done = session.execute(text(
        "UPDATE review_requests SET state = 'pending', decided_by = NULL, decided_at = NULL "
        "WHERE id = :i AND decided_by = :u RETURNING id"),
        {"i": w.review[where], "u": _user_id(w, role)}).first() is not None
    session.commit()
    return done


MEMBER = dict(values=_id("member", "member_id"), code=_grid_of)
RIDER = dict(values=_id("rider", "member_id"), code=_grid_of)
DEMAND = dict(values=_demand(), code=_grid_of)
WITHIN = dict(code=lambda w, where: w.community[where],
              query=lambda w, where: {"within": w.community[where]})  # ?within= a community
ROUND = dict(values=_id("evaluation_round", "round_id"), code=lambda w, where: w.grid[where][:9])
SPECS: dict[str, Spec] = {
    **{f"evaluations.{name}": Spec(**ROUND) for name in (
        "detail", "move", "issue_ballots", "entry", "report", "report_xlsx")},
    "api.evaluations.round_results": Spec(**ROUND),
    "evaluation_records.interview_follow_up": Spec(values=lambda w, _: {"interview_id": 2**31 - 2}),
    "api.demands.demand": Spec(**DEMAND),
    "api.demands.transition": Spec(**DEMAND, body=lambda w, _: {}),
    "api.demands.create_demand": Spec(body=lambda w, _: {}),
    "api.dispatch.demand_candidates": Spec(**DEMAND),
    "api.demand_map.demand_map": Spec(
        code=lambda w, where: w.community[where], query=lambda w, where: {
            "zoom": "12", "bbox": "130.5,45.5,131.5,46", "within": w.community[where]}),
    "api.spatial.hotspot_grids": Spec(**WITHIN),
    "api.spatial.emerging_hotspots": Spec(**WITHIN),
    **{f"api.leader_map.{name}": Spec(**WITHIN) for name in (
        "heat_cells", "choropleth_units", "leaders_sidebar")},
    "api.grids.grid": Spec(values=lambda w, where: {"code": w.grid[where]}),
    "api.grids.map_grid_neighbourhood": Spec(values=lambda w, where: {"code": w.grid[where]}),
    "api.grids.locate": Spec(query=lambda w, _: {"lon": "131.0031", "lat": "45.7711"}),
    "api.members.members_on_duty": Spec(query=lambda w, _: {"bbox": "130.8,45.7,131.1,45.85"}),
    "api.members.member_position": Spec(**MEMBER, body=lambda w, _: {}, also="members.act_for"),
    "api.members.member_duty": Spec(**MEMBER, body=lambda w, _: {"on_duty": True},
                                    also="members.act_for"),
    "api.members.member_check_in": Spec(**MEMBER, body=lambda w, _: {}, also="members.act_for"),
    "api.members.member_check_out": Spec(**MEMBER, body=lambda w, _: {},
                                         also="members.act_for"),
    "api.members.member_login": Spec(**MEMBER, body=lambda w, _: {"login": None}),
    "api.members.service_day_shortfall": Spec(
        code=lambda w, where: w.community[where],
        query=lambda w, where: {"community": w.community[where]}),
    "api.riders.rider_contributions": Spec(**RIDER, also="riders.view"),
    "api.riders.rider_activity": Spec(**RIDER, body=lambda w, _: {"kind": "help", "count": 1}),
    "api.riders.rider_review_request": Spec(**RIDER, also="riders.decide", body=lambda w, _: {
        "order_ref": "X1", "reason": "超时差评"}),
    "api.riders.review_decision": Spec(values=_id("review", "request_id"), code=_grid_of,
                                       body=lambda w, _: {"approve": True}),
    "boards.publish": Spec(deny=(roles.LEADER, roles.ADMIN)),  # city-wide logins only
    "board.community": Spec(values=lambda w, where: {"code": w.community[where]}),
    "board.claim": Spec(values=_demand()),
    "pages.grid_page": Spec(values=lambda w, where: {"code": w.grid[where]}),
    "ledgers.download": Spec(
        values=lambda w, where: {"kind": "community", "code": w.community[where], "fmt": "csv"},
        code=lambda w, where: w.community[where], deny=(roles.DEPARTMENT_STAFF,)),
    "media.photo": Spec(values=lambda w, _: {"name": "nothing.jpg"}),
    "members.member_login": Spec(**MEMBER),
    "members.link_login": Spec(**MEMBER, body=lambda w, _: {}),
    "members.unlink_login": Spec(**MEMBER, body=lambda w, _: {}),
    "open311.create_request": Spec(values=lambda w, _: {"fmt": "json"},
                                   body=lambda w, _: {"api_key": w.api_key}),
    "open311.service_definition": Spec(values=lambda w, _: {"code": "1403", "fmt": "json"}),
    "open311.service_request": Spec(values=lambda w, where: {
        "request_id": w.demand[where]["code"], "fmt": "json"}),
    "open311.unknown": Spec(values=lambda w, _: {"rest": "nothing"}),
    "report.follow": Spec(values=_demand(),
                          query=lambda w, where: {"token": w.demand[where]["follow_token"]}),
    "riders.record": Spec(code=_grid_of, body=lambda w, where: {
        "member_id": w.rider[where], "kind": "help", "count": "1"}, done=_activity_done),
    "riders.decide": Spec(values=_id("review", "request_id"), code=_grid_of,
                          body=lambda w, _: {"decision": "approve"}, done=_decided),
    "staff.demand_page": Spec(**DEMAND),
    "stations.edit": Spec(values=_id("station", "station_id"), code=_grid_of),
    "stations.deactivate": Spec(values=_id("station", "station_id"), code=_grid_of,
                                body=lambda w, _: {}),
}
FORMAT_VALUES = {"fmt": "json", "rest": ""}
"""URL values of rules the table above does not name (Open311's `.json`, its bare root)."""
