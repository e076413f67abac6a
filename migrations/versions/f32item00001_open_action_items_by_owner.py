"""An action item's meeting and its owning department are indexed with its status: a workspace lists the open
action items of a secretary's meetings, or of a department, and read every item of them to keep the open ones (a
secretary's 1,250 items of her 950 meetings, 7,865 open of 50,665 in all at 1,000,000 cases; on PostgreSQL it walked
every item by id instead, 5.4 ms; bench/README.md, stop 32). On PostgreSQL each is built CONCURRENTLY beside the old
index and swapped in, so the action_item table stays writable.

Revision ID: f32item00001
Revises: f32name00001
Create Date: 2026-12-01 08:00:00

"""
from alembic import op


revision = 'f32item00001'
down_revision = 'f32name00001'
branch_labels = None
depends_on = None

INDEXES = {'ix_action_item_meeting_id': 'meeting_id', 'ix_action_item_owner_department_id': 'owner_department_id'}


def _rebuild(name, columns):
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(name, table_name='action_item')
        op.create_index(name, 'action_item', columns)
        return
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}_new')  # left by an interrupted run
        op.create_index(f'{name}_new', 'action_item', columns, postgresql_concurrently=True)
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {name}')  # gone already if a run stopped here
        op.execute(f'ALTER INDEX {name}_new RENAME TO {name}')


def upgrade():
    for name, column in INDEXES.items():
        _rebuild(name, [column, 'status'])


def downgrade():
    for name, column in INDEXES.items():
        _rebuild(name, [column])
