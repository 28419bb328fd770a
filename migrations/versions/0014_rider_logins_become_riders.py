"""Rider logins made before the rider role become riders.

Until 0013 a delivery rider's login had to be a grid worker (scoped to a community) linked to
the rider member; such a login was staff. Every grid-worker login linked to a rider member
becomes a rider login: no scope, no department, no personal data (other roles are left alone:
an administrator who linked their own login is not demoted silently).

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE users SET role = 'rider', scope_code = NULL, department_code = NULL, "
        "personal_data = false WHERE role = 'grid_worker' AND id IN "
        "(SELECT user_id FROM members WHERE kind = 'rider' AND user_id IS NOT NULL)")


def downgrade() -> None:
    pass  # the old scopes are gone; 0013's downgrade turns riders back into grid workers
