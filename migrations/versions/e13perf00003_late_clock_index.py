"""a partial index of the late running clocks in deadline order, for the overdue board's page

Revision ID: e13perf00003
Revises: e13perf00002
Create Date: 2026-11-29 16:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'e13perf00003'
down_revision = 'e13perf00002'
branch_labels = None
depends_on = None

LATE_OPEN = "stopped_at IS NULL AND level IN ('overdue', 'supervised', 'escalated')"


def upgrade():
    op.create_index('ix_ticket_clock_late', 'ticket_clock', ['due_at', 'id'], sqlite_where=sa.text(LATE_OPEN),
                    postgresql_where=sa.text(LATE_OPEN))


def downgrade():
    op.drop_index('ix_ticket_clock_late', table_name='ticket_clock')
