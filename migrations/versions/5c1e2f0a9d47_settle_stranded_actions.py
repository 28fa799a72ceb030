"""settle actions left open on closed barriers

Closing a barrier used to leave its planned and running actions as they were: nobody could change
them (the barrier refuses), yet they stayed in My actions as overdue. Closing now settles each
one; this drops those already stranded, with the barrier's resolution as the reason.

Revision ID: 5c1e2f0a9d47
Revises: a0ad5ae27e65
Create Date: 2026-12-01 21:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e2f0a9d47'
down_revision = 'a0ad5ae27e65'
branch_labels = None
depends_on = None


def upgrade():
    closed = sa.text("SELECT id FROM barriers WHERE status IN ('removed', 'accepted')")
    op.execute(
        sa.text(
            "UPDATE actions SET status = 'dropped', version = version + 1, "
            "outcome = COALESCE(outcome, 'Dropped when its barrier was closed.') "
            "WHERE status IN ('planned', 'doing') AND initiative_id IS NULL "
            f"AND barrier_id IN ({closed.text})"
        )
    )


def downgrade():
    # Which actions were stranded is not recorded, and reopening a barrier offers its dropped
    # actions back: nothing to undo.
    pass
