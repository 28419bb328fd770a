"""Contracts: a request declared once as a pydantic model. The model checks input and answers
in Chinese naming each field (`check` → `Invalid`), and its JSON Schema is what the OpenAPI
document states, so limits, allowed values and patterns exist in one place.

Field types that need our rules (user text, coordinates, choices) are `Annotated` types built
here: each carries its check and the schema that describes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from gis.checks import UNSAFE_RANGES, parse_crs, parse_lonlat, unsafe_text
from gis.coords import CRS_NAMES
from gis.errors import BadInput, BadParameter, Invalid

C = TypeVar("C", bound="Contract")
SAFE_TEXT = "[^" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in UNSAFE_RANGES) + "]*"
NOT_BLANK = r"(?=[\s\S]*\S)"
REQUIRED = "必填（required）"
CRS_SCHEMA = {"type": "string", "enum": list(CRS_NAMES), "default": "wgs84",
              "description": "坐标系 coordinate system of lon/lat "
                             "(Amap/WeChat: gcj02, Baidu: bd09)"}
LON_SCHEMA = {"type": "number", "minimum": -180, "maximum": 180, "description": "经度 longitude"}
LAT_SCHEMA = {"type": "number", "minimum": -90, "maximum": 90, "description": "纬度 latitude"}
IN_CITY = "x-inside-city"  # the document bounds such a lon/lat by the current grids' extent
CITY_LON, CITY_LAT = {**LON_SCHEMA, IN_CITY: "lon"}, {**LAT_SCHEMA, IN_CITY: "lat"}
_GENERIC = {"missing": REQUIRED, "string_type": "应为文本（must be a string）",
            "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
            "model_type": "应为 JSON 对象（expected an object）",
            "dict_type": "应为 JSON 对象（expected an object）"}


class Contract(BaseModel):
    """Base of request models: unknown fields ignored, input never echoed in errors."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)
    body_field: ClassVar[str] = "body"  # where a body that is no JSON object is refused


def fail(message: str, field: str | None = None, code: str | None = None
         ) -> PydanticCustomError:
    """Return the error a check raises: `message` in Chinese, for `field` (else its own),
    with the error `code` a refused query parameter answers."""
    return PydanticCustomError("gridgov", "{message}",
                               {"message": message, "field": field, "code": code})


def check(model: type[C], body: object, **context: object) -> C:
    """Return `body` validated as `model` (`context` for its checks, e.g. now); Invalid
    naming every bad field otherwise."""
    if not isinstance(body, dict):
        raise Invalid({model.body_field: "应为 JSON 对象（expected an object）"})
    try:
        return model.model_validate(body, context=context)
    except ValidationError as err:
        raise Invalid(field_errors(err)) from None


def check_query(model: type[C], args: Mapping[str, str]) -> C:
    """Return query parameters (the first value of each) validated as `model`; BadParameter
    (400) naming the first bad one otherwise."""
    try:
        return model.model_validate(dict(args.items()))
    except ValidationError as err:
        e = err.errors(include_url=False, include_input=False)[0]
        ctx = e.get("ctx") or {}
        name = ctx.get("field") or (str(e["loc"][0]) if e["loc"] else "query")
        raise BadParameter(name, _message(e, ctx), ctx.get("code") or "bad_parameter") from None


def field_errors(err: ValidationError) -> dict[str, str]:
    """Return one Chinese message per field of a pydantic error."""
    out: dict[str, str] = {}
    for e in err.errors(include_url=False, include_input=False):
        ctx = e.get("ctx") or {}
        name = ctx.get("field") or (str(e["loc"][0]) if e["loc"] else "body")
        out.setdefault(name, _message(e, ctx))
    return out


def _message(e: dict, ctx: dict) -> str:
    if e["type"] == "gridgov":
        return ctx["message"]
    if e["type"] == "literal_error":
        return f"应为：{ctx.get('expected', '')}"
    return _GENERIC.get(e["type"], f"格式不对（{e['type']}）")


def max_length(model: type[BaseModel], name: str) -> int:
    """Return the most characters `model` takes in field `name` (by its alias), for forms."""
    return model.model_json_schema(by_alias=True)["properties"][name]["maxLength"]


def text_schema(max_length: int, not_blank: bool = False, description: str = "") -> dict:
    """Return the schema of user text: at most `max_length` characters and none that
    gis.checks.unsafe_text refuses (ECMA and Python regex alike); `not_blank`: one visible."""
    out: dict[str, Any] = {"type": "string", "maxLength": max_length,
                           "pattern": f"^{NOT_BLANK if not_blank else ''}{SAFE_TEXT}$"}
    if not_blank:
        out["minLength"] = 1
    if description:
        out["description"] = description
    return out


def clean_text(value: object, max_length: int, required: bool = False,
               label: str | None = None) -> str:
    """Return user text stripped ('' for none); raise `fail` when it is no text, blank but
    required, too long or holds a character unsafe_text refuses (said with the form's
    `label` when given)."""
    if value is not None and not isinstance(value, str):
        raise fail(f"{label}应为文字" if label else "应为文本（must be a string）")
    value = (value or "").strip()
    if problem := unsafe_text(value):
        raise fail(f"{label or ''}{problem}")
    if required and not value:
        raise fail(f"请填写{label}" if label else REQUIRED)
    if len(value) > max_length:
        raise fail(f"{label}最多 {max_length} 个字（现为 {len(value)} 个）" if label
                   else f"最多 {max_length} 个字符")
    return value


def UserText(max_length: int, required: bool = False, description: str = "",  # noqa: N802
             blank: str | None = "", label: str | None = None) -> Any:
    """Return the type of a user text field (`blank` when absent or blank; see clean_text)."""
    return Annotated[str | None,
                     PlainValidator(lambda v: clean_text(v, max_length, required, label)
                                    or blank),
                     WithJsonSchema(text_schema(max_length, required, description or
                                                (label or "")))]


def Choice(choices: Iterable[str], message: str, default: str | None = None,  # noqa: N802
           description: str = "", required: bool = False) -> Any:
    """Return the type of a field that takes one of `choices` (`default` when absent; with
    `required`, absent is refused with `message` too)."""
    allowed = tuple(choices)
    schema: dict[str, Any] = {"type": "string", "enum": list(allowed)}
    if default is not None:
        schema["default"] = default
    if description:
        schema["description"] = description

    def pick(value: object) -> str | None:
        if (value is None or value == "") and not required:
            return default
        if not isinstance(value, str) or value not in allowed:
            raise fail(message)
        return value
    return Annotated[str | None, PlainValidator(pick), WithJsonSchema(schema)]


def Flag(description: str = "", required: bool = False) -> Any:  # noqa: N802
    """Return the type of a JSON boolean (true/false only, never "true" or 1; None when
    absent unless `required`)."""
    def flag(value: object) -> bool | None:
        if (value is not None or required) and not isinstance(value, bool):
            raise fail("应为 true 或 false")
        return value
    schema = {"type": "boolean", **({"description": description} if description else {})}
    return Annotated[bool | None, PlainValidator(flag), WithJsonSchema(schema)]


def reading(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return `parse` as a field check: its BadInput becomes the field's error (and code)."""
    def read(raw: object) -> object:
        try:
            return parse(raw)
        except BadInput as err:
            raise fail(str(err), code=err.code) from None
    return read


def Param(schema: dict, parse: Callable[[Any], Any] = lambda v: v) -> Any:  # noqa: N802
    """Return the type of a query parameter read by `parse` (a gis.params reader that raises
    BadInput) and described by `schema`."""
    return Raw(schema, reading(parse))


def Raw(schema: dict, parse: Callable[[Any], Any] = lambda v: v) -> Any:  # noqa: N802
    """Return the type of a field read by `parse` (raw by default) and described by `schema`:
    for fields a model validator reads together (a point and its datum)."""
    return Annotated[Any, PlainValidator(parse), WithJsonSchema(schema)]


def _raise_found(value: object) -> object:
    """Raise the error a model's reading step found, else keep what it read."""
    if isinstance(value, PydanticCustomError):
        raise value
    return value


class PointBody(Contract):
    """A body with a point as lon, lat and crs, read together: a bad one is refused under
    `location`, listed with the other fields' errors. `read_location` says how."""

    lon: Raw(CITY_LON) = None
    lat: Raw(CITY_LAT) = None
    crs: Raw(CRS_SCHEMA) = "wgs84"
    location: SkipJsonSchema[Annotated[Any, PlainValidator(_raise_found)]] = Field(
        None, exclude=True)

    @classmethod
    def read_location(cls, body: dict) -> tuple | PydanticCustomError:
        """Return (lon, lat, crs) in range, or the error naming what is wrong."""
        try:
            lon, lat = parse_lonlat(body.get("lon"), body.get("lat"))
            return lon, lat, parse_crs(body.get("crs"))
        except BadInput as err:
            return fail(str(err), "location")

    @model_validator(mode="before")
    @classmethod
    def _read_first(cls, data: Any) -> Any:
        return {**data, "location": cls.read_location(data)} if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _keep_read(self) -> PointBody:
        self.lon, self.lat, self.crs, *rest = self.location
        self._located(*rest)
        return self

    def _located(self, *rest: object) -> None:
        """Keep what `read_location` read beyond lon, lat and crs (nothing here)."""


def required(*names: str) -> Callable[[dict], None]:
    """Return a model's schema hook stating `names` as required: fields whose absence their
    own check answers (naming the field in its own words) rather than pydantic's default."""
    def state(schema: dict) -> None:
        schema["required"] = sorted({*schema.get("required", ()), *names})
    return state


def Day(what: str) -> Any:  # noqa: N802
    """Return the type of a required calendar date field (YYYY-MM-DD, 2000–2100), refused
    in Chinese naming `what` (e.g. 约谈日期)."""
    def read(raw: object) -> date:
        text = str(raw or "").strip()
        if not text:
            raise fail(f"请填写{what}")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise fail("日期格式应为 YYYY-MM-DD") from None
        if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
            raise fail("日期不在合理范围内")
        return day
    return Raw({"type": "string", "format": "date"}, read)

