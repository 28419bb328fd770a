"""Domain errors raised by gis/, grids/ and layers/; the web layer maps them to statuses."""


class DomainError(Exception):
    """Base of the errors the platform reports to callers."""

    code = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class BadInput(DomainError):
    """The caller's input is malformed or out of range."""

    code = "bad_input"


class BadParameter(BadInput):
    """A query parameter is malformed or out of range (400); `fields` names it."""

    def __init__(self, name: str, message: str, code: str = "bad_parameter") -> None:
        super().__init__(message, code)
        self.fields = {name: message}


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "conflict"


class Invalid(BadInput):
    """A request body failed validation; `fields` maps each bad field to what is wrong."""

    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str = "请求内容有误（invalid input）"):
        super().__init__(message)
        self.fields = fields


class Unauthorized(DomainError):
    """The action needs a logged-in staff member."""

    code = "unauthorized"


class Forbidden(DomainError):
    """The actor's role or scope does not allow the action."""

    code = "forbidden"
