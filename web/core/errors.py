"""One table from domain exception to HTTP status; API errors as {"error": {code, message}}."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
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


def json_error(status: int, code: str, message: str, **extra) -> Response:
    """Return the API's error answer {"error": {code, message, ...extra}} with `status`."""
    resp = jsonify({"error": {"code": code, "message": message, **extra}})
    resp.status_code = status
    return resp


PAGE_TEXT = {
    400: ("请求有误", "请求内容有误，请检查后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您没有执行此操作的权限。"),
    404: ("未找到", "您访问的页面不存在。"),
    405: ("方法不允许", "不支持此请求方法。"),
    409: ("状态冲突", "该操作与当前状态冲突。"),
    413: ("内容过大", "上传的内容超过限制。"),
    429: ("请求过多", "请求过于频繁，请稍后再试。"),
}


API_PREFIXES = ("/api/", "/open311/")


def is_api() -> bool:
    """Return True for a request to the JSON API or Open311 (JSON answers, bearer tokens)."""
    return request.path.startswith(API_PREFIXES)


def error_page(status: int, message: str | None = None):
    """Return a Chinese error page for `status` with an optional message."""
    title, default = PAGE_TEXT.get(status, ("出错了", "服务暂时出现问题。"))
    return render_template("core/error.html", status=status, title=title,
                           message=message or default), status


def init_app(app: Flask) -> None:
    """Register the handlers that turn exceptions into clear answers."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return json_error(exc.status, exc.code, exc.message)

    for exc_type, status in STATUS.items():

        def _domain(exc, status=status):
            if not is_api():
                return error_page(status, str(exc))
            extra = {k: getattr(exc, k) for k in ("fields", "allowed") if hasattr(exc, k)}
            return json_error(status, exc.code, str(exc), **extra)

        app.register_error_handler(exc_type, _domain)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if is_api():
            code = (exc.name or "error").lower().replace(" ", "_")
            return json_error(exc.code or 500, code, exc.description or exc.name)
        if exc.code in PAGE_TEXT:
            return error_page(exc.code)
        return exc
