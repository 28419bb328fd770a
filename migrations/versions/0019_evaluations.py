"""两评: residents' evaluation rounds (群众评议) with one-time ballot codes, the scores they
and the staff (from the 社区评议大会) give, the annual 述职评议 of street and community party
secretaries (组织评议) and the records of 约谈 interviews.

A round is a community round (quarterly, `2026Q4`; its area is a district, street or
community whose communities are scored) or a department round (half-yearly, `2026H2`; its
area is one district whose residents score the departments serving it). Its dimensions and
units are snapshotted when it is created, so later changes to the city never change a
round. Ballot codes are stored only as their sha256 (the code is shown once); a ballot
never records who voted, and a ballot's sheet has no author (a check says so). Scores are
1–5 (很不满意 … 很满意).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

NOW = sa.func.now()


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                     server_default=NOW)


def _user(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"),
                     nullable=nullable)


def _rounds() -> None:
    op.create_table(
        "evaluation_rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("area_code", sa.String(12), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="draft"),
        sa.Column("dimensions", JSONB, nullable=False),
        sa.Column("units", JSONB, nullable=False),
        sa.Column("min_votes", sa.Integer, nullable=False, server_default="10"),
        _user("created_by"),
        _created(),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('community_quarterly', 'department_half_year')",
                           name="round_kind_known"),
        sa.CheckConstraint("state IN ('draft', 'open', 'closed')", name="round_state_known"),
        sa.CheckConstraint(
            "(kind = 'community_quarterly' AND period ~ '^[0-9]{4}Q[1-4]$' "
            "AND length(area_code) IN (6, 9, 12)) OR (kind = 'department_half_year' "
            "AND period ~ '^[0-9]{4}H[12]$' AND length(area_code) = 6)",
            name="round_period_and_area_fit_kind"),
        sa.CheckConstraint("min_votes BETWEEN 1 AND 10000", name="round_min_votes_range"),
        sa.UniqueConstraint("kind", "period", "area_code", name="uq_evaluation_round_unit"),
    )
    op.create_index("ix_evaluation_rounds_area_code", "evaluation_rounds", ["area_code"])


def _ballots() -> None:
    op.create_table(
        "evaluation_ballots",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("round_id", sa.Integer,
                  sa.ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("community_code", sa.String(12)),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("code_hash", name="uq_evaluation_ballots_code_hash"),
    )
    op.create_index("ix_evaluation_ballots_round_id", "evaluation_ballots", ["round_id"])


def _sheets() -> None:
    op.create_table(
        "evaluation_sheets",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("round_id", sa.Integer,
                  sa.ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit_code", sa.String(20), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        _user("entered_by"),
        sa.Column("meeting_on", sa.Date),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        _created(),
        sa.CheckConstraint("source IN ('staff', 'ballot')", name="sheet_source_known"),
        sa.CheckConstraint("source = 'staff' OR (entered_by IS NULL AND meeting_on IS NULL)",
                           name="ballot_sheet_is_anonymous"),
    )
    op.create_index("ix_evaluation_sheets_round_unit", "evaluation_sheets",
                    ["round_id", "unit_code"])
    op.create_table(
        "evaluation_scores",
        sa.Column("sheet_id", sa.BigInteger,
                  sa.ForeignKey("evaluation_sheets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("dimension", sa.String(30), primary_key=True),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )


def _reviews_and_interviews() -> None:
    op.create_table(
        "secretary_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.SmallInteger, nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("person_name", sa.String(50), nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("remarks", sa.Text, nullable=False, server_default=""),
        _user("entered_by"),
        _created(),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="review_year_range"),
        sa.CheckConstraint("length(unit_code) IN (9, 12)", name="review_unit_street_or_community"),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="review_score_range"),
        sa.CheckConstraint("grade IN ('excellent', 'good', 'fair', 'poor')",
                           name="review_grade_known"),
        sa.UniqueConstraint("year", "unit_code", "person_name", name="uq_secretary_review"),
    )
    op.create_index("ix_secretary_reviews_unit_code", "secretary_reviews", ["unit_code"])
    op.create_table(
        "evaluation_interviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_kind", sa.String(12), nullable=False),
        sa.Column("unit_code", sa.String(20), nullable=False),
        sa.Column("area_code", sa.String(12)),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("interviewers", sa.String(200), nullable=False),
        sa.Column("interviewees", sa.String(200), nullable=False),
        sa.Column("follow_up", sa.Text, nullable=False, server_default=""),
        sa.Column("demand_codes", ARRAY(sa.String(20)), nullable=False, server_default="{}"),
        sa.Column("state", sa.String(10), nullable=False, server_default="open"),
        _user("entered_by"),
        _created(),
        sa.CheckConstraint("unit_kind IN ('community', 'street', 'department')",
                           name="interview_unit_kind_known"),
        sa.CheckConstraint("state IN ('open', 'closed')", name="interview_state_known"),
    )
    op.create_index("ix_evaluation_interviews_area_code", "evaluation_interviews",
                    ["area_code"])
    op.create_index("ix_evaluation_interviews_unit_code", "evaluation_interviews",
                    ["unit_code"])


def upgrade() -> None:
    _rounds()
    _ballots()
    _sheets()
    _reviews_and_interviews()


def downgrade() -> None:
    for table in ("evaluation_interviews", "secretary_reviews", "evaluation_scores",
                  "evaluation_sheets", "evaluation_ballots", "evaluation_rounds"):
        op.drop_table(table)
