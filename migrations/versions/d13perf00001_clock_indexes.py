"""indexes for the overdue board (running clocks by level and deadline) and for a case's clocks by kind

Revision ID: d13perf00001
Revises: d12ext000001
Create Date: 2026-11-29 14:00:00

"""
from alembic import op


revision = 'd13perf00001'
down_revision = 'd12ext000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_ticket_clock_open_level', 'ticket_clock', ['stopped_at', 'level', 'due_at'])
    op.create_index('ix_ticket_clock_ticket_kind', 'ticket_clock', ['ticket_id', 'kind', 'stopped_at'])


def downgrade():
    op.drop_index('ix_ticket_clock_ticket_kind', table_name='ticket_clock')
    op.drop_index('ix_ticket_clock_open_level', table_name='ticket_clock')
