"""What the staff web forms share: the coordinate system choices and showing the domain's
field errors at their inputs (Flask-WTF forms, CSRF included; the domain checks every value)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from gis.checks import coordinate_at_fault

CRS_LABELS = [
    SelectChoice("wgs84", "WGS84（GPS 原始坐标）"),
    SelectChoice("gcj02", "GCJ-02（高德、腾讯地图）"),
    SelectChoice("bd09", "BD-09（百度地图）"),
]


def show_errors(form: FlaskForm, fields: Mapping[str, str], inputs: Sequence[str],
                error_at: Mapping[str, str]) -> None:
    """Add the domain's field errors to the form: at the input of that name (or the one
    `error_at` names; photos[i] → photos; a refused point at the coordinate that is wrong,
    lon, lat or crs), the rest above the form."""
    for name, message in fields.items():
        target = "photos" if name.startswith("photos") else error_at.get(name, name)
        if name == "location" and {"lon", "lat", "crs"} <= set(inputs):
            target = coordinate_at_fault(form.lon.data, form.lat.data, form.crs.data)
        field = getattr(form, target, None) if target in inputs else None
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
