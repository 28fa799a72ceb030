"""outbox, notice ledger and readiness heartbeat

The transactional outbox (jobs written with the change that causes them), the once-only
ledger for team notices, and the row /readyz writes to prove the database takes writes.

Revision ID: 4c82e8cae1c1
Revises: 64fb850372b6
Create Date: 2026-12-01 20:20:55.502019

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c82e8cae1c1'
down_revision = '64fb850372b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('heartbeats',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_heartbeats'))
    )
    op.create_table('notice_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_key', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('sending', 'sent')", name=op.f('ck_notice_deliveries_status_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_deliveries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_deliveries')),
    sa.UniqueConstraint('notice_key', 'user_id', name=op.f('uq_notice_deliveries_notice_key_user_id'))
    )
    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_deliveries_claimed_at'), ['claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_deliveries_user_id'), ['user_id'], unique=False)

    op.create_table('outbox_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('func', sa.String(length=200), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('kwargs', sa.JSON(), nullable=False),
    sa.Column('queue', sa.String(length=40), nullable=False),
    sa.Column('retry_intervals', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('pushes', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=40), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resent_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name=op.f('ck_outbox_jobs_status_valid')),
    sa.ForeignKeyConstraint(['resent_by_id'], ['users.id'], name=op.f('fk_outbox_jobs_resent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_jobs')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_jobs_key'))
    )
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_jobs_finished_at'), ['finished_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_jobs_resent_by_id'), ['resent_by_id'], unique=False)
        batch_op.create_index('ix_outbox_jobs_status_created_at', ['status', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_jobs_status_created_at')
        batch_op.drop_index(batch_op.f('ix_outbox_jobs_resent_by_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_jobs_finished_at'))

    op.drop_table('outbox_jobs')
    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_deliveries_user_id'))
        batch_op.drop_index(batch_op.f('ix_notice_deliveries_claimed_at'))

    op.drop_table('notice_deliveries')
    op.drop_table('heartbeats')
