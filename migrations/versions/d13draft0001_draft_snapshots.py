"""draft month figures shared by every web worker, computed at most once per DRAFT_CACHE_SECONDS; an index for a
secretary's list by state

Revision ID: d13draft0001
Revises: d13perf00001
Create Date: 2026-11-29 15:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'd13draft0001'
down_revision = 'd13perf00001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('draft_snapshot',
                    sa.Column('key', sa.String(length=40), nullable=False),
                    sa.Column('computed_at', sa.DateTime(), nullable=False),
                    sa.Column('payload', sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint('key', name=op.f('pk_draft_snapshot')))
    op.create_index('ix_ticket_state_scope', 'ticket', ['state', 'secretary_id', 'enterprise_id'])


def downgrade():
    op.drop_index('ix_ticket_state_scope', table_name='ticket')
    op.drop_table('draft_snapshot')
