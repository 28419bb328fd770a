"""`flask demands escalate|import|imports`, `flask taxonomy load`: the service list's
commands."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from tqdm import tqdm

from gis.db import analyze
from layers import workcal
from layers.demands import escalation, taxonomy
from layers.demands.imports import importer as demand_import

demands_cli = AppGroup("demands", help="诉求 Demands.")
taxonomy_cli = AppGroup("taxonomy", help="部门与分类 Departments and categories.")


@demands_cli.command("escalate")
def escalate() -> None:
    """Flag overdue demands and escalate them one level; safe to run every minute."""
    with current_app.config["SESSION_FACTORY"]() as session:
        changed = escalation.escalate_overdue(session)
        session.commit()
    click.echo(f"{changed} demands flagged or escalated")


@demands_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN",
              help="文件列名映射，如 --map title=标题 (repeatable).")
@click.option("--skip-bad", is_flag=True, help="跳过有误的行，导入其余行。")
@click.option("--encoding", default="utf-8", show_default=True, help="CSV 编码，如 gbk。")
@click.option("--bulk", is_flag=True,
              help="大批量导入：写完后重建索引和外键（约快 2.5 倍），导入期间诉求表对服务锁定。"
                   " Large loads: indexes and foreign keys rebuilt after the copy; the demands "
                   "table is locked for the service until the import commits.")
@click.option("--by", "run_by", default=None, metavar="NAME",
              help="记录导入人（默认：系统登录名）。Who ran it, kept in the import's record.")
def import_history(file: Path, mapping: tuple[str, ...], skip_bad: bool, encoding: str,
                   bulk: bool, run_by: str | None) -> None:
    """Import demand history from a CSV/XLSX file, all rows or none (--skip-bad: good rows)."""
    with current_app.config["SESSION_FACTORY"]() as session, \
            tqdm(total=0, unit="rows", unit_scale=True, file=sys.stderr) as bar:
        try:
            report = demand_import.import_file(
                session, file, demand_import.parse_mapping(mapping), skip_bad, encoding, bar,
                bulk=bulk, run_by=run_by or _login())
        except demand_import.BadRows as err:
            bar.close()
            _list_bad(err.report)
            raise click.ClickException(str(err)) from None
        except demand_import.BadInput as err:
            raise click.ClickException(str(err)) from None
        session.commit()
        analyze(session, demand_import.BULK_TABLES)
    _list_bad(report)
    click.echo(f"{report.imported} demands imported from {file.name} "
               f"(import {report.import_id})")


@demands_cli.command("imports")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_imports(limit: int) -> None:
    """List the latest history imports: when, file, who ran it, rows read/imported/skipped."""
    with current_app.config["SESSION_FACTORY"]() as session:
        rows = demand_import.write.records(session, limit)
    click.echo("id\timported at (Asia/Shanghai)\tfile\trun by\tread\timported\tskipped\tbulk")
    for r in rows:
        at = r["imported_at"].astimezone(workcal.TZ)
        click.echo(f"{r['id']}\t{at:%Y-%m-%d %H:%M}\t{r['file_name']}\t{r['run_by']}\t"
                   f"{r['rows_read']}\t{r['imported']}\t{r['skipped']}\t"
                   f"{'yes' if r['bulk'] else 'no'}")


def _login() -> str:
    """The operating-system login running the command, or 'system' when there is none."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "system"


def _list_bad(report: demand_import.ImportReport) -> None:
    """Print the bad rows (at most 50) and how many there were, on stderr."""
    for line in report.bad:
        click.echo(line, err=True)
    if report.bad_count > len(report.bad):
        click.echo(f"… and {report.bad_count - len(report.bad)} more bad rows", err=True)
    if report.bad_count:
        click.echo(f"{report.bad_count} bad rows", err=True)


@taxonomy_cli.command("load")
def load() -> None:
    """Add the standard departments and categories that are missing."""
    with current_app.config["SESSION_FACTORY"]() as session:
        added = taxonomy.load_taxonomy(session)
        session.commit()
    click.echo(f"{added} departments/categories added")
