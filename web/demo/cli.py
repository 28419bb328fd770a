"""`flask demo load`: the synthetic demo city, the standard taxonomy, one user per role, the
demo members and their service days, a demo rider login, the backlog with its before/after
photos and the red stations;
`flask demo refresh-positions`: keep the demo members' positions live."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from gis.db import analyze
from grids import demo
from layers.demands import photo_files, taxonomy
from layers.demo import backlog as demo_backlog
from layers.demo import people as demo_people
from layers.demo import photos as demo_photos
from layers.demo import positions as demo_positions
from layers.demo import service_days as demo_service_days
from layers.demo import stations as demo_stations
from layers.demo import users as demo_users
from layers.stations import store as stations
from web.core.media import media_dir

demo_cli = AppGroup("demo", help="演示数据 The synthetic demo city.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Keep the grids when some are already loaded.")
def demo_load(if_empty: bool) -> None:
    """Load the demo city (824 synthetic grids, real district outlines, the river), the
    standard departments and categories, and one demo account per role."""
    factory = current_app.config["SESSION_FACTORY"]
    seed = current_app.config["GRIDGOV"].demo_seed
    with factory() as session:
        if if_empty and demo.has_grids(session):
            click.echo("grids already loaded; demo city not loaded again")
        else:
            click.echo(demo.load(session, seed=seed))
        added = taxonomy.load_taxonomy(session)
        accounts = demo_users.create_demo_users(session)
        session.commit()
        _people_and_backlog(session, seed)
        _photos(session, seed)
        accounts += _demo_month(session, seed)
        _stations(session, seed)
        analyze(session)  # fresh statistics for the first requests (autovacuum may lag)
    click.echo(f"{added} departments/categories added")
    for name, role, password in accounts:
        click.echo(f"demo account  {name:<18} role {role:<18} password {password}")
    if any(name == demo_people.DEMO_RIDER for name, _, _ in accounts):
        click.echo(f"  {demo_people.DEMO_RIDER}: a delivery rider's login (not staff) — reports "
                   "filed on /report count for the rider on /riders/me and /riders (open it "
                   "as community_staff)")


def _people_and_backlog(session, seed: int) -> None:
    """Load the demo members when there are none, then the demand backlog when there is no
    demand at all; commit each and print the counts."""
    if not demo_people.has_members(session):
        click.echo(f"{demo_people.load(session, seed=seed)} members added")
        session.commit()
    if not demo_backlog.has_demands(session):
        started = time.perf_counter()
        n = demo_backlog.load(session, seed=seed)
        session.commit()
        click.echo(f"{n} demands added ({time.perf_counter() - started:.1f} s)")


def _photos(session, seed: int) -> None:
    """In the demo city only: give the backlog's demands their missing before/after photos
    (a database loaded before they existed gets them now); commit and print the counts."""
    if not demo.is_demo_city(session):
        return
    started = time.perf_counter()
    admin = demo_backlog.admin_actor(session).user_id
    with photo_files.staged(media_dir()) as store:  # files taken back unless committed
        before, after = demo_photos.add_missing(session, store, admin, seed)
        session.commit()
    if before or after:
        click.echo(f"{before} before and {after} after photos added "
                   f"({time.perf_counter() - started:.1f} s)")


def _demo_month(session, seed: int) -> list[tuple[str, str, str]]:
    """In the demo city only: record this month's service days so far and create the demo
    rider's login (when missing); commit and return the new account, if any."""
    if not demo.is_demo_city(session):
        return []
    days = demo_service_days.load(session, seed=seed)
    rider = demo_people.create_demo_rider(session)
    session.commit()
    click.echo(f"{days} service days added this month")
    return [rider] if rider else []


def _stations(session, seed: int) -> None:
    """In the demo city only, and only when no station is stored: add the demo red stations
    and 暖蜂驿站 pilot sites; commit and print the count."""
    if not demo.is_demo_city(session) or stations.has_stations(session):
        return
    started = time.perf_counter()
    n = demo_stations.load(session, seed=seed)
    session.commit()
    click.echo(f"{n} stations added ({time.perf_counter() - started:.2f} s)")


@demo_cli.command("refresh-positions")
def refresh_positions() -> None:
    """Give the on-duty demo members whose position is older than 10 minutes a fresh one near
    it, inside their grids (idempotent; run it every few minutes from cron)."""
    with current_app.config["SESSION_FACTORY"]() as session:
        if not demo.is_demo_city(session):
            click.echo("the current grids are not the demo city; no position changed")
            return
        n = demo_positions.refresh(session, seed=current_app.config["GRIDGOV"].demo_seed)
        session.commit()
    click.echo(f"{n} positions refreshed")
