"""并单: a ticket closed as a duplicate of another (merged_into_id, merged_at, merged_from)

Revision ID: f15merge0001
Revises: e13perf00003
Create Date: 2026-11-29 18:40:00

The similarity search for possible duplicates reuses the case search documents (d13search001: FTS5 on SQLite, a
GIN-indexed tsvector on PostgreSQL), so this adds no index of its own besides merged_into_id.
"""
import sqlalchemy as sa
from alembic import op


revision = 'f15merge0001'
down_revision = 'f15api000001'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # ADD COLUMN with an inline reference: no copy of the whole ticket table (batch mode would rebuild it).
        op.execute("ALTER TABLE ticket ADD COLUMN merged_into_id INTEGER REFERENCES ticket (id)")
    else:
        op.add_column('ticket', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_ticket_merged_into_id_ticket', 'ticket', 'ticket', ['merged_into_id'], ['id'])
    op.add_column('ticket', sa.Column('merged_at', sa.DateTime(), nullable=True))
    op.add_column('ticket', sa.Column('merged_from', sa.String(length=20), nullable=True))
    op.create_index('ix_ticket_merged_into_id', 'ticket', ['merged_into_id'], unique=False)


def downgrade():
    op.drop_index('ix_ticket_merged_into_id', table_name='ticket')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('merged_from')
        batch_op.drop_column('merged_at')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_ticket_merged_into_id_ticket', 'ticket', type_='foreignkey')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('merged_into_id')
