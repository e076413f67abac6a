"""the list's deadline order within one secretary's cases, and a department's parts with their cases: filtered
to a secretary, the list sorted all of her cases (74-90 ms at 1,000,000 cases, now 19); filtered to a department,
counting its cases probed every case for a part (140-200 ms, now 41), where the parts' index now names them. The
secretary index becomes the prefix of the new one. The same order within one state was tried and left out: without
statistics SQLite then preferred it for the workspace queues and a secretary's count (bench/README.md)

Revision ID: f13list00001
Revises: f13meet00001
Create Date: 2026-11-30 05:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'f13list00001'
down_revision = 'f13meet00001'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_ticket_secretary_id', table_name='ticket')
    op.create_index('ix_ticket_secretary_due_order', 'ticket',
                    ['secretary_id', sa.text('(due_at IS NULL)'), 'due_at', 'id'])
    op.drop_index('ix_assignment_department_status', table_name='assignment')
    op.create_index('ix_assignment_department_status', 'assignment', ['department_id', 'status', 'ticket_id'])


def downgrade():
    op.drop_index('ix_assignment_department_status', table_name='assignment')
    op.create_index('ix_assignment_department_status', 'assignment', ['department_id', 'status'])
    op.drop_index('ix_ticket_secretary_due_order', table_name='ticket')
    op.create_index('ix_ticket_secretary_id', 'ticket', ['secretary_id'])
