"""Every route of the app declares one permission of the policy, and answers every role
(resident, rider, each staff role) for an object inside and outside the role's scope as
that permission says: refused (401 or a login redirect without a login, else 403) or not."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from layers.access import policy, roles
from layers.access.actors import RESIDENT, for_user
from tests.access.matrix import FORMAT_VALUES, ROLES, SPECS, WHERE, Spec, World, build
from web import create_app

FLASK_OWN = {"static"}  # Flask's own static files: no view of ours
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


@pytest.fixture
def world(session) -> World:
    """The logins and the objects in and out of their scope."""
    return build(session)


@pytest.fixture
def matrix_app(session_factory, media):
    """The app without CSRF checks (the matrix is about permissions, not forms)."""
    return create_app({"TESTING": True, "SESSION_FACTORY": session_factory,
                       "MEDIA_DIR": str(media), "WTF_CSRF_ENABLED": False})


@dataclass(frozen=True)
class Case:
    """One request of the matrix and the answer the policy expects."""

    rule: str
    method: str
    role: str
    where: str | None
    allowed: bool


def _routes(app):
    """Yield (rule, method, view) for every route and method the app answers."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FLASK_OWN:
            continue
        for method in sorted(set(rule.methods) & set(METHODS)):
            yield rule, method, app.view_functions[rule.endpoint]


def _allowed(spec: Spec, perm: policy.Permission, role: str, where: str | None,
             w: World) -> bool:
    """Return whether the policy lets `role` call the route for the object at `where`."""
    user = w.logins.get(role, (None,))[0]
    actor = RESIDENT if user is None else for_user(user)
    if role not in perm.roles or role in spec.deny:
        return False
    code = spec.code(w, where) if spec.code and where else None
    if spec.also:  # the route serves one's own object; others' need this permission
        return policy.may(actor, spec.also, code)
    return policy.may(actor, perm.name, code)


def _call(client, rule, method: str, spec: Spec, role: str, where: str | None, w: World):
    """Send the route's request as `role` (bearer token on the API, a session on pages)."""
    values = {**FORMAT_VALUES, **(spec.values(w, where or "in") if spec.values else {})}
    path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
    api = path.startswith(("/api/", "/open311/"))
    headers, body = {}, spec.body(w, where or "in") if spec.body else {}
    if role in w.logins:
        user, token = w.logins[role]
        if api:
            headers["Authorization"] = f"Bearer {token}"
        else:
            with client.session_transaction() as s:
                s["_user_id"], s["_fresh"] = str(user.id), True
    query = spec.query(w, where or "in") if spec.query else None
    sent = {"json": body} if path.startswith("/api/") and method != "GET" else {"data": body}
    return client.open(path, method=method, headers=headers, query_string=query, **sent)


def _refused(resp, role: str, perm: policy.Permission) -> bool:
    """Return True for a refusal: 403, or without a login 401 / a redirect to the login page
    (a public page such as /logout may send a visitor there by design)."""
    if resp.status_code == 403:
        return True
    login = resp.status_code == 302 and "/login" in resp.headers.get("Location", "")
    return role == "resident" and (resp.status_code == 401 or (login and perm.needs_login))


def test_every_route_declares_a_permission_of_the_policy(app):
    undeclared = [f"{m} {r.rule}" for r, m, view in _routes(app)
                  if getattr(view, "permission", None) not in policy.PERMISSIONS]
    assert undeclared == []


def test_every_spec_names_a_route_of_the_app(app):
    assert set(SPECS) <= {r.endpoint for r in app.url_map.iter_rules()}


def test_routes_answer_each_role_in_and_out_of_scope_as_the_policy_says(matrix_app, session,
                                                                         world):
    wrong, checked, out_refused = [], 0, 0
    for rule, method, view in _routes(matrix_app):
        perm, spec = policy.permission(view.permission), SPECS.get(rule.endpoint, Spec())
        places = WHERE if spec.code else (None,)
        for role in ROLES:
            for where in places:
                case = Case(rule.rule, method, role, where,
                            _allowed(spec, perm, role, where, world))
                resp = _call(matrix_app.test_client(), rule, method, spec, role, where, world)
                refused = _refused(resp, role, perm)
                if spec.done and not refused:
                    refused = not spec.done(session, world, where, role)
                checked += 1
                out_refused += where == "out" and refused and role in roles.ALL
                if refused == case.allowed or resp.status_code >= 500:
                    wrong.append((case, resp.status_code))
    assert wrong == []
    assert checked > 800 and out_refused > 50  # staff refused objects outside their scope


def test_rider_and_resident_hold_no_staff_permission():
    staff_only = [p for p in policy.PERMISSIONS.values() if p.roles <= policy.STAFF]
    assert staff_only and all(roles.RIDER not in p.roles for p in staff_only)
    assert [p.name for p in policy.PERMISSIONS.values() if "resident" in p.roles] == ["public"]
