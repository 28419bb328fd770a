"""新增/编辑驿站: the staff form for a station; the domain checks every value."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from layers.stations import store as stations
from web.core.forms import CRS_LABELS, show_errors

STATION_FIELDS = ("kind", "name", "address", "services", "opening_hours", "lon", "lat", "crs",
                  "active")
# Domain field names without an input of their own, shown at the nearest input.
STATION_ERROR_AT = {"location": "lon"}


class StationForm(FlaskForm):
    """新增/编辑驿站: a station's fields; the domain (layers.stations.edits) checks them all, so
    the fields take anything and the Chinese errors come from there."""

    kind = SelectField("驿站类型", validate_choice=False, default="red_station",
                       choices=[SelectChoice(k, v) for k, v in stations.KINDS.items()])
    name = StringField("驿站名称")
    address = StringField("地址")
    services = SelectMultipleField("服务项目", validate_choice=False,
                                   choices=[SelectChoice(k, v)
                                            for k, v in stations.SERVICES.items()])
    opening_hours = StringField("开放时间", description="例如：每日 08:00–20:00")
    lon = StringField("经度")
    lat = StringField("纬度")
    crs = SelectField("坐标系", choices=CRS_LABELS, default="wgs84", validate_choice=False)
    active = BooleanField("启用（在地图和随手拍页面公开显示）", default=True)
    submit = SubmitField("保存")

    def values(self) -> dict:
        """Return the form's raw values for `station_edits.check_input`."""
        return {name: getattr(self, name).data for name in STATION_FIELDS}

    def add_errors(self, fields: dict[str, str]) -> None:
        """Show the domain's field errors at their inputs (the rest above the form)."""
        show_errors(self, fields, STATION_FIELDS, STATION_ERROR_AT)
