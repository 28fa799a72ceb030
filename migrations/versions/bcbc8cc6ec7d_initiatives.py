"""initiatives: stage pipeline, initiatives, stage history, status updates

Revision ID: bcbc8cc6ec7d
Revises: 945f439113f6
Create Date: 2026-11-28 11:07:29.102083

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bcbc8cc6ec7d'
down_revision = '945f439113f6'
branch_labels = None
depends_on = None


DEFAULT_PIPELINE = [
    ("Idea", "open"),
    ("Discover", "open"),
    ("Plan", "open"),
    ("Pilot", "open"),
    ("Roll out", "open"),
    ("Sustain", "open"),
    ("Done", "done"),
    ("Stopped", "stopped"),
]


def upgrade():

    stages = op.create_table('stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_key', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.CheckConstraint("kind IN ('open', 'done', 'stopped')", name=op.f('ck_stages_kind_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stages')),
    sa.UniqueConstraint('name_key', name=op.f('uq_stages_name_key'))
    )
    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stages_position'), ['position'], unique=False)
    # The default pipeline is data the app needs: `flask db upgrade` alone leaves it working.
    op.bulk_insert(
        stages,
        [
            {"name": name, "name_key": name.lower(), "position": i + 1, "kind": kind}
            for i, (name, kind) in enumerate(DEFAULT_PIPELINE)
        ],
    )

    op.create_table('initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('health', sa.String(length=10), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('last_update_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('update_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("health IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_initiatives_health_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_initiatives_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_initiatives_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_initiatives_stage_id_stages')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_initiatives_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives'))
    )
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiatives_health'), ['health'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_stage_id'), ['stage_id'], unique=False)
        batch_op.create_index('ix_initiatives_team_id_stage_id', ['team_id', 'stage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_update_due_at'), ['update_due_at'], unique=False)

    op.create_table('stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('from_stage_id', sa.Integer(), nullable=True),
    sa.Column('to_stage_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_stage_changes_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_stage_id'], ['stages.id'], name=op.f('fk_stage_changes_from_stage_id_stages')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_stage_changes_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_stage_id'], ['stages.id'], name=op.f('fk_stage_changes_to_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_changes'))
    )
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_changes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_changes_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_changes_to_stage_id'), ['to_stage_id'], unique=False)

    op.create_table('status_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('health', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=True),
    sa.Column('previous_health', sa.String(length=10), nullable=True),
    sa.Column('previous_stage_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("health IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_status_updates_health_valid')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_status_updates_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_status_updates_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_stage_id'], ['stages.id'], name=op.f('fk_status_updates_previous_stage_id_stages')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_status_updates_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_updates'))
    )
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_updates_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_updates_initiative_id'), ['initiative_id'], unique=False)

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_interval_days', sa.Integer(), server_default='14', nullable=False))
        batch_op.create_check_constraint(
            'update_interval_range', 'update_interval_days BETWEEN 1 AND 365'
        )




def downgrade():

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_constraint('update_interval_range', type_='check')
        batch_op.drop_column('update_interval_days')

    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_updates_initiative_id'))
        batch_op.drop_index(batch_op.f('ix_status_updates_created_at'))

    op.drop_table('status_updates')
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_changes_to_stage_id'))
        batch_op.drop_index(batch_op.f('ix_stage_changes_initiative_id'))
        batch_op.drop_index(batch_op.f('ix_stage_changes_at'))

    op.drop_table('stage_changes')
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_update_due_at'))
        batch_op.drop_index('ix_initiatives_team_id_stage_id')
        batch_op.drop_index(batch_op.f('ix_initiatives_stage_id'))
        batch_op.drop_index(batch_op.f('ix_initiatives_owner_id'))
        batch_op.drop_index(batch_op.f('ix_initiatives_health'))

    op.drop_table('initiatives')
    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stages_position'))

    op.drop_table('stages')

