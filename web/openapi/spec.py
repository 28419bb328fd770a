"""Endpoint contracts on the route map: `contract(...)` declares an endpoint's request model
and answers once; spectree (strict mode: only declared routes) turns the app's url map and
those declarations into OpenAPI paths. The domain validates with the same model
(`gis.contracts.check`), which also serves the HTML forms and Open311, so spectree's own
request validation is skipped rather than run twice."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable

from flask import Flask
from pydantic import BaseModel
from spectree import Response, SpecTree

from layers.access import policy
from web.openapi.schema import ErrorBody

_PARAM = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([A-Za-z_]+)>")


SPEC = SpecTree("flask", mode="strict", annotations=False, openapi_version="3.0.3",
                title="gridgov", version="1.0.0", validation_error_model=ErrorBody,
                naming_strategy=lambda model: model.__name__)


def contract(tag: str, *, json: type[BaseModel] | None = None,
             form: type[BaseModel] | None = None, headers: type[BaseModel] | None = None,
             query: type[BaseModel] | None = None, ok: int = 200,
             errors: tuple[int, ...] = ()) -> Callable:
    """Declare an endpoint: its body model (as JSON; `form` as multipart, the JSON model also
    as a plain form), its headers, its success status and the error statuses it answers
    beyond the ones its body and permission imply."""
    answers = {f"HTTP_{ok}": None} | {f"HTTP_{status}": ErrorBody for status in errors}
    declare = SPEC.validate(json=json, form=form, headers=headers, query=query,
                            resp=Response(**answers), tags=[tag], skip_validation=True)

    def decorator(view: Callable) -> Callable:
        declared = declare(view)
        declared.error_statuses = {str(status) for status in errors}
        return declared
    return decorator


def declared_paths(app: Flask) -> tuple[dict, dict]:
    """Return (the declared routes' OpenAPI paths, their models' schemas): error answers as
    the document's shared responses, and each operation stating the login and the 401/403
    answers its view's permission implies."""
    with app.app_context():
        spec = _without_null_defaults(copy.deepcopy(SPEC.spec))
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            view = app.view_functions[_endpoint(app, path, method)]
            if "requestBody" not in op and "422" not in view.error_statuses:
                op["responses"].pop("422", None)  # spectree's; these parameters answer 400
            errors = [s for s in op["responses"] if s >= "400"]
            if policy.permission(view.permission).needs_login:
                op["security"] = [{"bearer": []}, {"session": []}]
                errors += ["401", "403"]
            op["responses"].update({s: {"$ref": f"#/components/responses/E{s}"} for s in errors})
            op["operationId"] = _operation_id(path, method)
            _plain_form_too(op.get("requestBody"))
    return spec["paths"], _referenced(spec["paths"], spec["components"]["schemas"])


def _referenced(paths: dict, schemas: dict) -> dict:
    """Return the schemas the paths refer to, and the ones those refer to (query and header
    models are spelled out as parameters; the error envelope is the document's own)."""
    found, todo = {}, _refs(paths)
    while todo:
        name = todo.pop()
        if name in schemas and name not in found:
            found[name] = schemas[name]
            todo |= _refs(schemas[name])
    return {k: v for k, v in found.items() if not k.startswith("ErrorBody")}


def _refs(node: object) -> set[str]:
    """Return the component names `node` refers to."""
    return set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(node)))


def _operation_id(path: str, method: str) -> str:
    """Return the operation's id as the document has always named it (postDemandsTransitions
    for POST /api/v1/demands/{code}/transitions): method, then each later part titled."""
    return method + "".join(part.strip("{}").replace("-", "_").title()
                            for part in path.split("/")[3:])


def _plain_form_too(body: dict | None) -> None:
    """State that a body taken as JSON and multipart is also taken as a plain form."""
    if body and {"application/json", "multipart/form-data"} <= set(body["content"]):
        body["content"]["application/x-www-form-urlencoded"] = body["content"]["application/json"]


def _without_null_defaults(node: object) -> object:
    """Drop `"default": null` (an absent optional field) from every schema of `node`."""
    if isinstance(node, dict):
        return {k: _without_null_defaults(v) for k, v in node.items()
                if not (k == "default" and v is None)}
    if isinstance(node, list):
        return [_without_null_defaults(v) for v in node]
    return node


def _endpoint(app: Flask, path: str, method: str) -> str:
    """Return the endpoint of the rule whose OpenAPI path is `path` and that takes `method`."""
    for rule in app.url_map.iter_rules():
        if _openapi_path(rule.rule) == path and method.upper() in rule.methods:
            return rule.endpoint
    raise KeyError(path)


def _openapi_path(rule: str) -> str:
    """Return a werkzeug rule as an OpenAPI path (<int:id> → {id})."""
    return _PARAM.sub(r"{\1}", rule)
