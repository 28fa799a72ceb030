"""list indexes: each list's sort and filter, so a page stops after its rows

Revision ID: 7d3f2a9c41b6
Revises: 0deeed14cc68
Create Date: 2026-12-02 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3f2a9c41b6'
down_revision = '0deeed14cc68'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_due_on_id', ['due_on', 'id'], unique=False)
        batch_op.create_index(
            'ix_actions_owner_id_due_on_id', ['owner_id', 'due_on', 'id'], unique=False
        )

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_team_id_at_id', ['team_id', 'at', 'id'], unique=False)

    with op.batch_alter_table('barriers', schema=None) as batch_op:
        batch_op.create_index('ix_barriers_reported_at_id', ['reported_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_barriers_severity_order',
            [sa.text('severity_rank DESC'), 'reported_at', 'id'],
            unique=False,
        )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_lower_name_id', [sa.text('lower(name)'), 'id'], unique=False)

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index('ix_initiatives_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_initiatives_last_update_at_id', ['last_update_at', 'id'], unique=False
        )
        batch_op.create_index('ix_initiatives_title_id', ['title', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index('ix_initiatives_title_id')
        batch_op.drop_index('ix_initiatives_last_update_at_id')
        batch_op.drop_index('ix_initiatives_created_at_id')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_lower_name_id')

    with op.batch_alter_table('barriers', schema=None) as batch_op:
        batch_op.drop_index('ix_barriers_severity_order')
        batch_op.drop_index('ix_barriers_reported_at_id')

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_team_id_at_id')

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_owner_id_due_on_id')
        batch_op.drop_index('ix_actions_due_on_id')
