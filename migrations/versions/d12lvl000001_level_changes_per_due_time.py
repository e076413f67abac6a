"""level changes keep their due time and can be withdrawn; a sign-off clock can end as no longer needed

Revision ID: d12lvl000001
Revises: d12duty00001
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd12lvl000001'
down_revision = 'd12duty00001'
branch_labels = None
depends_on = None

LIVE = sa.text("withdrawn_at IS NULL")


def upgrade():
    with op.batch_alter_table('clock_level_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint('uq_clock_level_change_once', type_='unique')
    op.create_index('uq_clock_level_change_live', 'clock_level_change', ['clock_id', 'level'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.drop_column('outcome')
    op.drop_index('uq_clock_level_change_live', table_name='clock_level_change')
    op.execute("DELETE FROM clock_level_change WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table('clock_level_change', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_clock_level_change_once', ['clock_id', 'level'])
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('due_at')
