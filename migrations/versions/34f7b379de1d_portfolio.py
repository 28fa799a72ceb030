"""portfolio indexes

Revision ID: 34f7b379de1d
Revises: 35b9c8e04f24
Create Date: 2026-11-28 13:46:34.569359

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '34f7b379de1d'
down_revision = '35b9c8e04f24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('barriers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_barriers_resolved_at'), ['resolved_at'], unique=False)

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiatives_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_stage_entered_at'), ['stage_entered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_target_date'), ['target_date'], unique=False)



def downgrade():
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_target_date'))
        batch_op.drop_index(batch_op.f('ix_initiatives_stage_entered_at'))
        batch_op.drop_index(batch_op.f('ix_initiatives_completed_at'))

    with op.batch_alter_table('barriers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_barriers_resolved_at'))

