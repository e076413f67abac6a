"""ix_enterprise_secretary_id holds the company's id too (secretary_id, id): "her companies' cases" is a condition
of nearly every statement of a secretary's pages, and on PostgreSQL each read her 500 companies' ids from 381 table
pages (0.5-0.8 ms, five times in her workspace's queue); from the index alone 0.05 ms (bench/README.md, stop 32).
SQLite's index carried the row id already; it is rebuilt the same so that both databases hold one schema. On
PostgreSQL it is built CONCURRENTLY beside the old index and swapped in, so the enterprise table stays writable.

Revision ID: f32esec00001
Revises: f32item00001
Create Date: 2026-12-01 08:10:00

"""
from alembic import op


revision = 'f32esec00001'
down_revision = 'f32item00001'
branch_labels = None
depends_on = None

NAME = 'ix_enterprise_secretary_id'


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
    _rebuild(['secretary_id', 'id'])


def downgrade():
    _rebuild(['secretary_id'])
