"""ix_assignment_department_id holds the case too (department_id, ticket_id): a department's cases come from it each
once and in order, so an officer's list counts them only up to its cap of 10,000 instead of reading and de-duplicating
all of them (a department's 36,000 cases at 1,000,000: 16 ms on SQLite, 20 ms on PostgreSQL -> 1-4 ms; bench/README.md).
On PostgreSQL it is built CONCURRENTLY beside the old index and swapped in, so the assignment table stays writable.

Revision ID: f28dept00001
Revises: f13share0001
Create Date: 2026-11-30 20:50:00

"""
from alembic import op


revision = 'f28dept00001'
down_revision = 'f13share0001'
branch_labels = None
depends_on = None

NAME = 'ix_assignment_department_id'


def _rebuild(columns):
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(NAME, table_name='assignment')
        op.create_index(NAME, 'assignment', columns)
        return
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}_new')  # left by an interrupted run
        op.create_index(f'{NAME}_new', 'assignment', columns, postgresql_concurrently=True)
        op.drop_index(NAME, table_name='assignment', postgresql_concurrently=True)
        op.execute(f'ALTER INDEX {NAME}_new RENAME TO {NAME}')


def upgrade():
    _rebuild(['department_id', 'ticket_id'])


def downgrade():
    _rebuild(['department_id'])
