"""Flask application factory: each domain's blueprints and command groups, registered here."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Flask
from flask_compress import Compress

from gis import settings
from gis.db import make_engine, make_read_sessionmaker, make_sessionmaker
from layers.demands.rules import Rules
from web.core.jsonout import JSONProvider


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
    Compress(app)
    errors.init_app(app)
    auth.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Register every domain's blueprints; the API ones under one parent at /api/v1."""
    from web.access.auth import bp as auth_bp
    from web.core.media import bp as media_bp
    from web.demands import api as demands_api
    from web.demands.pages import bp as staff_bp
    from web.dispatch import api as dispatch_api
    from web.dispatch.pages import bp as dispatch_bp
    from web.grids import api as grids_api
    from web.grids.pages import bp as pages_bp
    from web.members import api as members_api
    from web.members.pages import bp as members_bp
    from web.open311.views import bp as open311_bp
    from web.openapi.document import bp as openapi_bp
    from web.report.pages import bp as report_bp
    from web.reporting.board import bp as board_bp
    from web.reporting.ledgers import bp as ledgers_bp
    from web.riders import api as riders_api
    from web.riders.pages import bp as riders_bp
    from web.stations import api as stations_api
    from web.stations.pages import bp as stations_bp

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for domain in (grids_api, demands_api, dispatch_api, members_api, riders_api, stations_api):
        api.register_blueprint(domain.bp)
    for bp in (auth_bp, api, pages_bp, board_bp, ledgers_bp, open311_bp, media_bp, staff_bp,
               members_bp, dispatch_bp, report_bp, riders_bp, stations_bp, openapi_bp):
        app.register_blueprint(bp)


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
