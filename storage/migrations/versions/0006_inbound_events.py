"""webhook events are journaled until handled, so a restart handles what a stop interrupted

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inboundevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'key')
    )
    with op.batch_alter_table('inboundevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inboundevent_done_at'), ['done_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inboundevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inboundevent_done_at'))
    op.drop_table('inboundevent')
