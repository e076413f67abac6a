"""a secretary's meetings by start: the workspace lists the meetings she convenes in the next two weeks and the
open action items of all her meetings; without it both read every meeting (4 ms each at 37,886 meetings)

Revision ID: f13meet00001
Revises: f13report001
Create Date: 2026-11-30 05:10:00

"""
from alembic import op


revision = 'f13meet00001'
down_revision = 'f13report001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_meeting_convened_by_starts', 'meeting', ['convened_by_id', 'starts_at'])


def downgrade():
    op.drop_index('ix_meeting_convened_by_starts', table_name='meeting')
