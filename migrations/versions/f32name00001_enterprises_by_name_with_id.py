"""ix_enterprise_name holds the id too (name, id): the evaluation invitations read every company's id in name order
(ties by id), which PostgreSQL sorted from the table (20,000 companies: 15 ms) and now reads from the index alone
(2 ms; bench/README.md, stop 32). SQLite's index carried the row id already; it is rebuilt the same so that both
databases hold one schema. On PostgreSQL it is built CONCURRENTLY beside the old index and swapped in, so the
enterprise table stays writable.

Revision ID: f32name00001
Revises: f31stage0001
Create Date: 2026-12-01 07:40:00

"""
from alembic import op


revision = 'f32name00001'
down_revision = 'f31stage0001'
branch_labels = None
depends_on = None

NAME = 'ix_enterprise_name'


def _rebuild(columns):
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(NAME, table_name='enterprise')
        op.create_index(NAME, 'enterprise', columns)
        return
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}_new')  # left by an interrupted run
        op.create_index(f'{NAME}_new', 'enterprise', columns, postgresql_concurrently=True)
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}')  # gone already if a run stopped here
        op.execute(f'ALTER INDEX {NAME}_new RENAME TO {NAME}')


def upgrade():
    _rebuild(['name', 'id'])


def downgrade():
    _rebuild(['name'])
