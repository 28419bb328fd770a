"""What the member API takes: duty on or off, a login to link, a check-in/out point."""

from __future__ import annotations

from typing import ClassVar

from gis.contracts import Contract, Flag, PointBody, Raw, fail

LOGIN_SCHEMA = {"type": "string", "maxLength": 40, "nullable": True,
                "description": "登录账号 staff user name, or null to remove the link"}


class DutyInput(Contract):
    """{"on_duty": true|false}."""

    body_field: ClassVar[str] = "on_duty"

    on_duty: Flag("在岗 on duty", required=True)


def _login(raw: object) -> str | None:
    if raw is not None and not isinstance(raw, str):
        raise fail("应为登录账号（用户名）或 null（expected {\"login\": …}）")
    return raw


class LoginLink(Contract):
    """{"login": a staff user name} links it, {"login": null} removes the link."""

    body_field: ClassVar[str] = "login"

    login: Raw(LOGIN_SCHEMA, _login)


class ServicePoint(PointBody):
    """Where a professional member checks in or out: lon/lat in crs."""
