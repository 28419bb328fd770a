"""One record per history import; each imported demand points to it and to its line.

Until now `flask demands import` appended one 'import' event per row to `demand_events`: the
same actor, time and note a million times, plus the line number. The import is not a
transition, and those rows (with their index entries and foreign-key checks) were a fifth to
a quarter of an import's time. Now the import is one `demand_imports` row (file, when, who ran
it, rows read, imported, skipped, bulk or not) and each demand stores `import_id` and
`import_line`; a demand's history shows the import as its first entry, as before. Events
already written by earlier imports stay where they are (the log is append-only); a
downgrade writes the events back from the records.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("run_by", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False, server_default="0"),
        sa.Column("imported", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
        sa.Column("bulk", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("demands", sa.Column("import_id", sa.Integer,
                                       sa.ForeignKey("demand_imports.id"), nullable=True))
    op.add_column("demands", sa.Column("import_line", sa.Integer, nullable=True))
    op.create_check_constraint("ck_demands_import_line", "demands",
                               "(import_id IS NULL) = (import_line IS NULL)")


def downgrade() -> None:
    # Back to one 'import' event per imported demand (appended after its other events).
    op.execute(
        "INSERT INTO demand_events (demand_id, action, from_state, to_state, actor_role, at, "
        "note, payload) SELECT d.id, 'import', NULL, coalesce((SELECT e.from_state FROM "
        "demand_events e WHERE e.demand_id = d.id ORDER BY e.id LIMIT 1), d.state), 'system', "
        "i.imported_at, '导入自 ' || i.file_name, jsonb_build_object('line', d.import_line) "
        "FROM demands d JOIN demand_imports i ON i.id = d.import_id ORDER BY d.id")
    op.drop_constraint("ck_demands_import_line", "demands")
    op.drop_column("demands", "import_line")
    op.drop_column("demands", "import_id")
    op.drop_table("demand_imports")
