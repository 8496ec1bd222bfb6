"""wrong join codes are counted (per chat and overall) to stop guessing

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inviteattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inviteattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inviteattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inviteattempt_chat_id'), ['chat_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inviteattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inviteattempt_chat_id'))
        batch_op.drop_index(batch_op.f('ix_inviteattempt_at'))
    op.drop_table('inviteattempt')
