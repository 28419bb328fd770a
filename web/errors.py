"""One table from domain exception to HTTP status; API errors as {"error": {code, message}}."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from gis.errors import BadInput, Conflict, Forbidden, Invalid, NotFound, Unauthorized


class ApiError(Exception):
    """An error to answer with a JSON body and an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


STATUS = {
    BadInput: 400, Invalid: 422, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
}


def _json_error(status: int, code: str, message: str, **extra):
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


def _is_api() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register the handlers that turn exceptions into clear answers."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return _json_error(exc.status, exc.code, exc.message)

    for exc_type, status in STATUS.items():

        def _domain(exc, status=status):
            extra = {k: getattr(exc, k) for k in ("fields", "allowed") if hasattr(exc, k)}
            return _json_error(status, exc.code, str(exc), **extra)

        app.register_error_handler(exc_type, _domain)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if _is_api():
            code = (exc.name or "error").lower().replace(" ", "_")
            return _json_error(exc.code or 500, code, exc.description or exc.name)
        return exc
