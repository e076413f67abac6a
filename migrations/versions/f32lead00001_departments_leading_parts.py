"""A partial index of the parts a department leads and signed (department_id, ticket_id): an officer's workspace
walks the processing cases in deadline order and asks of each whether the department leads it, which PostgreSQL
answered through the case's every part, reading each from the table (1,936 cases probed for 51: 15.7 ms at
1,000,000 cases); from this index alone 2.9 ms (bench/README.md, stop 32). Built CONCURRENTLY on PostgreSQL, so the
assignment table stays writable.

Revision ID: f32lead00001
Revises: f32esec00001
Create Date: 2026-12-01 08:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'f32lead00001'
down_revision = 'f32esec00001'
branch_labels = None
depends_on = None

NAME = 'ix_assignment_leading'
LEADING = "status = 'signed' AND role = 'lead'"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(NAME, 'assignment', ['department_id', 'ticket_id'], sqlite_where=sa.text(LEADING))
        return
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}')  # left invalid by an interrupted run
        op.create_index(NAME, 'assignment', ['department_id', 'ticket_id'], postgresql_where=sa.text(LEADING),
                        postgresql_concurrently=True)


def downgrade():
    op.drop_index(NAME, table_name='assignment')
