"""indexes for the workspace queues (a department's parts by status, an enterprise's cases by state) and for the
clocks met within a month

Revision ID: f13queue0001
Revises: f15hook00001
Create Date: 2026-11-29 21:40:00

"""
from alembic import op


revision = 'f13queue0001'
down_revision = 'f15hook00001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_assignment_department_status', 'assignment', ['department_id', 'status'])
    op.create_index('ix_ticket_enterprise_state', 'ticket', ['enterprise_id', 'state'])
    op.create_index('ix_ticket_clock_kind_stopped', 'ticket_clock', ['kind', 'stopped_at'])


def downgrade():
    op.drop_index('ix_ticket_clock_kind_stopped', table_name='ticket_clock')
    op.drop_index('ix_ticket_enterprise_state', table_name='ticket')
    op.drop_index('ix_assignment_department_status', table_name='assignment')
