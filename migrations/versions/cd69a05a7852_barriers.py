"""barriers and actions

Revision ID: cd69a05a7852
Revises: bcbc8cc6ec7d
Create Date: 2026-11-28 12:23:51.312049

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cd69a05a7852'
down_revision = 'bcbc8cc6ec7d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('barriers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('affects', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('severity_rank', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("affects IN ('customers', 'staff', 'internal')", name=op.f('ck_barriers_affects_valid')),
    sa.CheckConstraint("category IN ('policy', 'process', 'technology', 'communication', 'staffing', 'facilities', 'other')", name=op.f('ck_barriers_category_valid')),
    sa.CheckConstraint("severity IN ('low', 'medium', 'high', 'critical')", name=op.f('ck_barriers_severity_valid')),
    sa.CheckConstraint("source IN ('survey', 'staff', 'customer', 'story')", name=op.f('ck_barriers_source_valid')),
    sa.CheckConstraint("status IN ('open', 'addressing', 'removed', 'accepted')", name=op.f('ck_barriers_status_valid')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_barriers_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_barriers_initiative_id_initiatives'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_barriers_reported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_barriers_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_barriers_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_barriers'))
    )
    with op.batch_alter_table('barriers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_barriers_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_barriers_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_barriers_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_barriers_reported_by_id'), ['reported_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_barriers_severity_rank'), ['severity_rank'], unique=False)
        batch_op.create_index('ix_barriers_status_reported_at', ['status', 'reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_barriers_team_id'), ['team_id'], unique=False)

    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('barrier_id', sa.Integer(), nullable=True),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'doing', 'done', 'dropped')", name=op.f('ck_actions_status_valid')),
    sa.CheckConstraint('barrier_id IS NOT NULL OR initiative_id IS NOT NULL', name=op.f('ck_actions_barrier_or_initiative')),
    sa.ForeignKeyConstraint(['barrier_id'], ['barriers.id'], name=op.f('fk_actions_barrier_id_barriers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_actions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_actions_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_actions_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actions_barrier_id'), ['barrier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index('ix_actions_owner_id_status_due_on', ['owner_id', 'status', 'due_on'], unique=False)



def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_owner_id_status_due_on')
        batch_op.drop_index(batch_op.f('ix_actions_initiative_id'))
        batch_op.drop_index(batch_op.f('ix_actions_barrier_id'))

    op.drop_table('actions')
    with op.batch_alter_table('barriers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_barriers_team_id'))
        batch_op.drop_index('ix_barriers_status_reported_at')
        batch_op.drop_index(batch_op.f('ix_barriers_severity_rank'))
        batch_op.drop_index(batch_op.f('ix_barriers_reported_by_id'))
        batch_op.drop_index(batch_op.f('ix_barriers_initiative_id'))
        batch_op.drop_index(batch_op.f('ix_barriers_department_id'))
        batch_op.drop_index(batch_op.f('ix_barriers_category'))

    op.drop_table('barriers')
