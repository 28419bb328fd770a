"""The rider role (流动网格员·骑手): a delivery rider's own login, which files 随手拍 and reads
its own contribution ledger but is not staff (no staff pages, no residents' data, no work sent).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STAFF = ("dispatcher", "grid_worker", "community_staff", "department_staff", "supervisor",
         "leader", "admin")


def _check(roles: tuple[str, ...]) -> None:
    op.drop_constraint("role_known", "users", type_="check")
    op.create_check_constraint("role_known", "users",
                               f"role IN ({', '.join(repr(r) for r in roles)})")


def upgrade() -> None:
    _check((*STAFF, "rider"))


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'grid_worker' WHERE role = 'rider'")
    _check(STAFF)
