"""assignment.done_on: the day the work was done, as the unit stated it

Revision ID: 0005
Revises: 0004
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_on', sa.Date(), nullable=True))
    # work recorded done before this column existed: the local day it was recorded
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, done_at FROM assignment WHERE status = 'done' AND done_at IS NOT NULL"))
    for row_id, done_at in rows.fetchall():
        if isinstance(done_at, str):
            done_at = datetime.fromisoformat(done_at)
        if done_at.tzinfo is None:  # SQLite keeps UTC without its zone
            done_at = done_at.replace(tzinfo=timezone.utc)
        local_day = done_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        bind.execute(sa.text("UPDATE assignment SET done_on = :day WHERE id = :id"), {"day": local_day, "id": row_id})


def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('done_on')
