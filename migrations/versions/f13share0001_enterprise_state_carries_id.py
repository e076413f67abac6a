"""on PostgreSQL, ix_ticket_enterprise_state and ix_ticket_state_scope carry the case id, so that a secretary's cases
are read as ids from the indexes alone: her companies' cases when her set is intersected with a department's (a
sequential scan of the ticket table before; her list filtered to a department 480 -> 102 ms in process at 1,000,000
cases), and her own by state in her workspace's queue (2,495 look-ups in the table before: 17 -> 7 ms). SQLite's
indexes always carry the rowid. bench/README.md has the plans. Each is built CONCURRENTLY beside the old one, then
swapped in, so the ticket table stays writable meanwhile.

Revision ID: f13share0001
Revises: f13held00001
Create Date: 2026-11-30 14:40:00

"""
from alembic import op


revision = 'f13share0001'
down_revision = 'f13held00001'
branch_labels = None
depends_on = None

INDEXES = {'ix_ticket_enterprise_state': ['enterprise_id', 'state'],
           'ix_ticket_state_scope': ['state', 'secretary_id', 'enterprise_id']}


def _rebuild(include):
    if op.get_bind().dialect.name != "postgresql":
        return
    # Built beside the old index without blocking writes (CONCURRENTLY, outside a transaction), then swapped in:
    # the ticket table stays writable while a million-row index is built.
    with op.get_context().autocommit_block():
        for name, columns in INDEXES.items():
            op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}_new')  # left by an interrupted run
            op.create_index(f'{name}_new', 'ticket', columns, postgresql_include=include,
                            postgresql_concurrently=True)
            op.drop_index(name, table_name='ticket', postgresql_concurrently=True)
            op.execute(f'ALTER INDEX {name}_new RENAME TO {name}')


def upgrade():
    _rebuild(['id'])


def downgrade():
    _rebuild([])
