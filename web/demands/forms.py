"""登记诉求: the staff form for filing a demand; the domain checks the values again."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from gis.contracts import max_length
from layers.demands.fields import SOURCES, DemandInput
from web.core.forms import CRS_LABELS, show_errors

BODY_FIELDS = ("title", "description", "category", "lon", "lat", "crs", "grid_code", "address",
               "source", "reporter_name", "reporter_phone")
def _max(name: str) -> int:
    return max_length(DemandInput, name)


# Domain field names that have no input of their own, shown at the nearest input.
ERROR_AT = {"location": "lon", "body": "title"}


class DemandForm(FlaskForm):
    """登记诉求: the staff form for filing a demand with its photos."""

    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=_max("title"))])
    description = TextAreaField("问题描述", validators=[Length(max=_max("description"))])
    category = SelectField("分类", validate_choice=False,
                           validators=[DataRequired("请选择分类")])
    lon = StringField("经度", validators=[Optional(), Length(max=30)])
    lat = StringField("纬度", validators=[Optional(), Length(max=30)])
    crs = SelectField("坐标系", choices=CRS_LABELS, default="wgs84")
    grid_code = StringField("网格编码", validators=[Optional(), Length(max=15)])
    address = StringField("地址", validators=[Length(max=_max("address"))])
    source = SelectField("来源", choices=[SelectChoice(k, v) for k, v in SOURCES.items()],
                         default="grid_visit")
    reporter_name = StringField("反映人姓名", validators=[Length(max=_max("reporter_name"))])
    reporter_phone = StringField("反映人电话", validators=[Length(max=20)])
    photos = MultipleFileField("照片（JPEG/PNG/WebP，每张不超过 10 MB，最多 9 张）")
    submit = SubmitField("登记")

    def set_categories(self, categories: list[dict]) -> None:
        """Offer the active small classes (小类) grouped under their big class (大类)."""
        names = {c["code"]: c["name"] for c in categories if c["parent_code"] is None}
        small = sorted((c for c in categories if c["parent_code"] is not None and c["active"]),
                       key=lambda c: (c["parent_code"], c["code"]))
        self.category.choices = [SelectChoice("", "请选择分类…")] + [
            SelectChoice(c["code"], f"{c['code']} {c['name']}",
                         optgroup=names.get(c["parent_code"], c["parent_code"]))
            for c in small]

    def body(self) -> dict:
        """Return the form's values as the intake body that the API takes."""
        return {name: (getattr(self, name).data or "").strip() for name in BODY_FIELDS}

    def add_errors(self, fields: dict[str, str]) -> None:
        """Show the domain's field errors at their inputs (photos[i] at the photo input)."""
        show_errors(self, fields, BODY_FIELDS + ("photos",), ERROR_AT)
