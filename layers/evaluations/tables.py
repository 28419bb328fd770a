"""The tables of this package, declared once (the migrations are their history)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from gis.models import METADATA


def _user(name: str) -> Column:
    return Column(name, Integer, ForeignKey("users.id", ondelete="SET NULL"))


def _created() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False)


ROUNDS = Table(
    "evaluation_rounds", METADATA,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("period", String(7), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("title", String(100), nullable=False),
    Column("state", String(10), nullable=False),
    Column("dimensions", JSONB, nullable=False),
    Column("units", JSONB, nullable=False),
    Column("min_votes", Integer, nullable=False),
    _user("created_by"),
    _created(),
    Column("opened_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
)

BALLOTS = Table(
    "evaluation_ballots", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("round_id", Integer, ForeignKey("evaluation_rounds.id", ondelete="CASCADE"),
           nullable=False),
    Column("community_code", String(12)),
    Column("code_hash", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

SHEETS = Table(
    "evaluation_sheets", METADATA,
    Column("id", BigInteger, primary_key=True),
    Column("round_id", Integer, ForeignKey("evaluation_rounds.id", ondelete="CASCADE"),
           nullable=False),
    Column("unit_code", String(20), nullable=False),
    Column("source", String(10), nullable=False),
    _user("entered_by"),
    Column("meeting_on", Date),
    Column("note", String(200), nullable=False),
    _created(),
)

SCORES = Table(
    "evaluation_scores", METADATA,
    Column("sheet_id", BigInteger, ForeignKey("evaluation_sheets.id", ondelete="CASCADE"),
           primary_key=True),
    Column("dimension", String(30), primary_key=True),
    Column("score", SmallInteger, nullable=False),
)

SECRETARY_REVIEWS = Table(
    "secretary_reviews", METADATA,
    Column("id", Integer, primary_key=True),
    Column("year", SmallInteger, nullable=False),
    Column("unit_code", String(12), nullable=False),
    Column("person_name", String(50), nullable=False),
    Column("score", Numeric(4, 1), nullable=False),
    Column("grade", String(10), nullable=False),
    Column("remarks", Text, nullable=False),
    _user("entered_by"),
    _created(),
)

INTERVIEWS = Table(
    "evaluation_interviews", METADATA,
    Column("id", Integer, primary_key=True),
    Column("unit_kind", String(12), nullable=False),
    Column("unit_code", String(20), nullable=False),
    Column("area_code", String(12)),
    Column("held_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("interviewers", String(200), nullable=False),
    Column("interviewees", String(200), nullable=False),
    Column("follow_up", Text, nullable=False),
    Column("demand_codes", ARRAY(String(20)), nullable=False),
    Column("state", String(10), nullable=False),
    _user("entered_by"),
    _created(),
)
