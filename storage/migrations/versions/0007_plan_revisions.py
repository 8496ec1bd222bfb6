"""plan revisions: task STT no longer unique (a retired task keeps its number), task start, plan removal and
issue date, unit level

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# SQLite names nothing; give the unnamed unique constraint a name so batch mode can drop it
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    name = "uq_task_plan_id_number" if sqlite else "task_plan_id_number_key"
    with op.batch_alter_table('task', naming_convention=NAMING if sqlite else None) as batch_op:
        batch_op.drop_constraint(name, type_="unique")
        batch_op.add_column(sa.Column('start_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_task_plan_number', ['plan_id', 'number'], unique=False)
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('level')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('issued_on')
        batch_op.drop_column('removed')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_plan_number')
        batch_op.drop_column('start_on')
        batch_op.create_unique_constraint('uq_task_plan_id_number', ['plan_id', 'number'])
