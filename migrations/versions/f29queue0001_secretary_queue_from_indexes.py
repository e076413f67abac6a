"""ix_ticket_state_scope and ix_ticket_enterprise_state carry each case's deadline and first reply, so that a
secretary's workspace queue (her cases and her companies' to act on, or owed a first reply) is found and ordered from
the indexes alone (its open remedies, a handful, with their cases' rows), and only its 50 rows are read from the
table: her 2,495 candidates were each looked up in it (at 1,000,000 cases: 12 -> 3-4 ms on SQLite, 18-32 -> 8-9 ms
on PostgreSQL; bench/README.md). On PostgreSQL each is built CONCURRENTLY beside the old index and swapped in, so
the ticket table stays writable.

Revision ID: f29queue0001
Revises: f28dept00001
Create Date: 2026-11-30 22:20:00

"""
from alembic import op


revision = 'f29queue0001'
down_revision = 'f28dept00001'
branch_labels = None
depends_on = None

BEFORE = {'ix_ticket_state_scope': ['state', 'secretary_id', 'enterprise_id'],
          'ix_ticket_enterprise_state': ['enterprise_id', 'state']}
QUEUE = ['due_at', 'first_replied_at']


def _rebuild(extra):
    for name, columns in BEFORE.items():
        if op.get_bind().dialect.name != "postgresql":
            op.drop_index(name, table_name='ticket')
            op.create_index(name, 'ticket', columns + extra)
            # A database that was analysed keeps statistics for its other indexes: without them for this one the
            # planner would guess its selectivity (about 1 s an index at 1,000,000 cases).
            if op.get_bind().exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
                op.execute(f'ANALYZE {name}')
            continue
        with op.get_context().autocommit_block():
            op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}_new')  # left by an interrupted run
            op.create_index(f'{name}_new', 'ticket', columns + extra, postgresql_include=['id'],
                            postgresql_concurrently=True)
            # IF EXISTS: a run interrupted between this drop and the rename finds the old index gone.
            op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}')
            op.execute(f'ALTER INDEX {name}_new RENAME TO {name}')


def upgrade():
    _rebuild(QUEUE)


def downgrade():
    _rebuild([])
