"""Flask application factory: one blueprint per area."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask
from flask_compress import Compress

from gis import settings
from gis.db import make_engine, make_read_sessionmaker, make_sessionmaker
from layers.rules import Rules
from web.jsonout import JSONProvider


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

    from web import auth, db, errors

    db.init_app(app)
    Compress(app)
    errors.init_app(app)
    auth.init_app(app)

    # Route modules add views to the api blueprint; import them before it is registered.
    from web import (  # noqa: F401
        api_demands,
        api_dispatch,
        api_export,
        api_members,
        api_riders,
        api_stations,
    )
    from web.api import bp as api_bp
    from web.board_pages import bp as board_bp
    from web.dispatch_pages import bp as dispatch_bp
    from web.ledger_pages import bp as ledgers_bp
    from web.media import bp as media_bp
    from web.member_pages import bp as members_bp
    from web.open311 import bp as open311_bp
    from web.openapi import bp as openapi_bp
    from web.pages import bp as pages_bp
    from web.report_pages import bp as report_bp
    from web.rider_pages import bp as riders_bp
    from web.staff_pages import bp as staff_bp
    from web.station_pages import bp as stations_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(ledgers_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(dispatch_bp)
    app.register_blueprint(report_bp)
    app.register_blueprint(riders_bp)
    app.register_blueprint(stations_bp)
    app.register_blueprint(openapi_bp)

    from web.cli import init_app as init_cli

    init_cli(app)
    return app
