"""Flask application factory: each domain's blueprints and command groups, registered here."""

from __future__ import annotations

import secrets
from importlib import import_module
from typing import Any

from flask import Blueprint, Flask
from flask_compress import Compress

from gis import settings
from gis.db import make_engine, make_read_sessionmaker, make_sessionmaker
from layers.demands.rules import Rules
from layers.reporting.rates import RateRules
from web.core.jsonout import GEOJSON, JSONProvider


class GridgovFlask(Flask):
    """Flask with ISO 8601 JSON."""

    json_provider_class = JSONProvider


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Return the configured app; `test_config` overrides settings (e.g. SESSION_FACTORY).

    Raises settings.SettingsError, naming the variable, for an unusable GRIDGOV_ value."""
    app = GridgovFlask(__name__)
    conf = settings.load()
    app.config.from_mapping(
        GRIDGOV=conf,
        SECRET_KEY=conf.secret_key or secrets.token_hex(32),
        JSON_AS_ASCII=False,
        DATABASE_URL=conf.database_url,
        TILE_URL=conf.tile_url,
        TILE_ATTRIBUTION=conf.tile_attribution,
        TILE_CRS=conf.tile_crs,
        RULES=Rules.from_settings(conf),
        RATE_RULES=RateRules.from_settings(conf),
        MAX_CONTENT_LENGTH=95 * 1024 * 1024,  # 9 photos of at most 10 MB plus the form
        MEDIA_DIR=conf.media_dir,
    )
    if test_config:
        app.config.update(test_config)
    app.config["TILE_CRS"] = settings.check_tile_crs(app.config["TILE_CRS"])
    if "SESSION_FACTORY" not in app.config:
        engine = make_engine(app.config["DATABASE_URL"])
        app.config["SESSION_FACTORY"] = make_sessionmaker(engine)
        app.config["READ_SESSION_FACTORY"] = make_read_sessionmaker(engine)

    from web.access import auth
    from web.core import db, errors

    db.init_app(app)
    Compress(app).compress_mimetypes_set.add(GEOJSON)  # map layers
    errors.init_app(app)
    auth.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


API_BLUEPRINTS = (
    "web.grids.api", "web.demands.api", "web.demands.map_api", "web.dispatch.api",
    "web.members.api", "web.riders.api", "web.stations.api", "web.reporting.rates",
    "web.reporting.spatial_api", "web.evaluations.api", "web.reporting.charts_api",
    "web.reporting.boards_api",
    "web.reporting.leader_api",
)
"""The modules whose `bp` is nested under the one `api` parent at /api/v1."""
BLUEPRINTS = (
    "web.access.auth", "web.home.pages", "web.grids.pages", "web.reporting.board",
    "web.reporting.ledgers", "web.open311.views", "web.core.media", "web.demands.pages",
    "web.demands.work", "web.members.pages", "web.dispatch.pages", "web.report.pages",
    "web.riders.pages", "web.stations.pages", "web.openapi.document", "web.reporting.leaders",
    "web.evaluations.pages", "web.evaluations.records", "web.evaluations.public",
    "web.reporting.boards",
    "web.reporting.charts_pages",
)
"""The modules whose `bp` is registered on the app itself (pages, Open311, the document)."""


def _register_blueprints(app: Flask) -> None:
    """Register every domain's blueprint, by module name: the API ones under one parent at
    /api/v1 (registered first), then the others."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for name in API_BLUEPRINTS:
        api.register_blueprint(import_module(name).bp)
    app.register_blueprint(api)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)


def _register_commands(app: Flask) -> None:
    """Register every domain's command group (`flask db|demo|members|grids|users|…`)."""
    from web.access.cli import users_cli
    from web.core.cli import db_cli
    from web.demands.cli import demands_cli, taxonomy_cli
    from web.demo.cli import demo_cli
    from web.grids.cli import grids_cli
    from web.members.cli import members_cli
    from web.open311.cli import open311_cli

    for group in (db_cli, demo_cli, members_cli, grids_cli, users_cli, open311_cli, demands_cli,
                  taxonomy_cli):
        app.cli.add_command(group)
