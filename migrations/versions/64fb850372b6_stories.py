"""stories and satisfaction

Revision ID: 64fb850372b6
Revises: 34f7b379de1d
Create Date: 2026-11-28 13:59:06.774106

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '64fb850372b6'
down_revision = '34f7b379de1d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('satisfaction_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('metric', sa.String(length=80), nullable=False),
    sa.Column('metric_key', sa.String(length=80), nullable=False),
    sa.Column('score', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('scale_max', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('department_key', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('respondents >= 0', name=op.f('ck_satisfaction_results_respondents_positive')),
    sa.CheckConstraint('scale_max > 0', name=op.f('ck_satisfaction_results_scale_positive')),
    sa.CheckConstraint('score >= 0 AND score <= scale_max', name=op.f('ck_satisfaction_results_score_in_scale')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_satisfaction_results_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_satisfaction_results_department_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_results')),
    sa.UniqueConstraint('period', 'metric_key', 'department_key', name=op.f('uq_satisfaction_results_period_metric_key_department_key'))
    )
    with op.batch_alter_table('satisfaction_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_results_metric_key'), ['metric_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_results_period'), ['period'], unique=False)

    op.create_table('impact_stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('barrier_id', sa.Integer(), nullable=True),
    sa.Column('no_personal_details', sa.Boolean(), nullable=False),
    sa.Column('featured_month', sa.String(length=7), nullable=True),
    sa.Column('featured_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cheer_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('win', 'recovery', 'failure')", name=op.f('ck_impact_stories_kind_valid')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_impact_stories_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['barrier_id'], ['barriers.id'], name=op.f('fk_impact_stories_barrier_id_barriers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_impact_stories_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['featured_by_id'], ['users.id'], name=op.f('fk_impact_stories_featured_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_impact_stories_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_impact_stories_initiative_id_initiatives'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_stories')),
    sa.UniqueConstraint('featured_month', name=op.f('uq_impact_stories_featured_month'))
    )
    with op.batch_alter_table('impact_stories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_impact_stories_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_impact_stories_barrier_id'), ['barrier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_impact_stories_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_impact_stories_department_id'), ['department_id'], unique=False)
        batch_op.create_index('ix_impact_stories_hidden_occurred_on', ['hidden', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_impact_stories_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_impact_stories_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_impact_stories_occurred_on'), ['occurred_on'], unique=False)

    op.create_table('cheers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['impact_stories.id'], name=op.f('fk_cheers_story_id_impact_stories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cheers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cheers')),
    sa.UniqueConstraint('story_id', 'user_id', name=op.f('uq_cheers_story_id_user_id'))
    )
    with op.batch_alter_table('cheers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cheers_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cheers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cheers_user_id'))

    op.drop_table('cheers')
    with op.batch_alter_table('impact_stories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_impact_stories_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_impact_stories_kind'))
        batch_op.drop_index(batch_op.f('ix_impact_stories_initiative_id'))
        batch_op.drop_index('ix_impact_stories_hidden_occurred_on')
        batch_op.drop_index(batch_op.f('ix_impact_stories_department_id'))
        batch_op.drop_index(batch_op.f('ix_impact_stories_created_at'))
        batch_op.drop_index(batch_op.f('ix_impact_stories_barrier_id'))
        batch_op.drop_index(batch_op.f('ix_impact_stories_author_id'))

    op.drop_table('impact_stories')
    with op.batch_alter_table('satisfaction_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_results_period'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_results_metric_key'))

    op.drop_table('satisfaction_results')
