"""digest deliveries

Revision ID: 35b9c8e04f24
Revises: cd69a05a7852
Create Date: 2026-11-28 13:05:02.122359

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '35b9c8e04f24'
down_revision = 'cd69a05a7852'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=40), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('claim_token', sa.String(length=40), nullable=False),
    sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('claimed', 'sent', 'skipped', 'failed')", name=op.f('ck_digest_deliveries_status_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_deliveries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_deliveries')),
    sa.UniqueConstraint('user_id', 'period_key', name=op.f('uq_digest_deliveries_user_id_period_key'))
    )
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_deliveries_finished_at'), ['finished_at'], unique=False)
        batch_op.create_index('ix_digest_deliveries_status_claimed_at', ['status', 'claimed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_digest_deliveries_status_claimed_at')
        batch_op.drop_index(batch_op.f('ix_digest_deliveries_finished_at'))

    op.drop_table('digest_deliveries')
