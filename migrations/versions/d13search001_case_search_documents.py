"""case search documents: FTS5 on SQLite, a GIN-indexed document table on PostgreSQL (app/tickets/search.py)

Revision ID: d13search001
Revises: c12conv00001
Create Date: 2026-11-29 13:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd13search001'
down_revision = 'c12conv00001'
branch_labels = None
depends_on = None


def upgrade():
    from app.tickets.search import reindex_all
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.create_table('ticket_search',
                        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('ticket.id', ondelete='CASCADE'),
                                  primary_key=True),
                        sa.Column('doc', sa.Text(), nullable=False))
        # stored, so neither the index nor a sequential scan splits the document again per row
        op.execute("ALTER TABLE ticket_search ADD COLUMN terms tsvector "
                   "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(doc, ' '))) STORED")
        op.execute("CREATE INDEX ix_ticket_search_terms ON ticket_search USING gin (terms)")
    else:
        op.execute("CREATE VIRTUAL TABLE ticket_fts USING fts5(doc, tokenize='ascii', prefix='3')")
    reindex_all(bind)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_table('ticket_search')
    else:
        op.execute("DROP TABLE ticket_fts")
