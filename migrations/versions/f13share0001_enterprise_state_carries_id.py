"""on PostgreSQL, ix_ticket_enterprise_state carries the case id: a secretary's companies' cases are then read from
the index alone when her cases are intersected with a department's (a sequential scan of the ticket table before;
her list filtered to a department 480 -> 130 ms at 1,000,000 cases, bench/README.md). SQLite's indexes always
carry the rowid.

Revision ID: f13share0001
Revises: f13held00001
Create Date: 2026-11-30 14:40:00

"""
from alembic import op


revision = 'f13share0001'
down_revision = 'f13held00001'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_ticket_enterprise_state', table_name='ticket')
    op.create_index('ix_ticket_enterprise_state', 'ticket', ['enterprise_id', 'state'], postgresql_include=['id'])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_ticket_enterprise_state', table_name='ticket')
    op.create_index('ix_ticket_enterprise_state', 'ticket', ['enterprise_id', 'state'])
