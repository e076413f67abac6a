"""meetings by start, and a secretary's by start: every workspace lists the meetings of the next two weeks (a
secretary's those she convenes, with the open action items of all her meetings); without them each read every
meeting (3-8 ms each at 37,886 meetings)

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
    op.create_index('ix_meeting_starts_at', 'meeting', ['starts_at'])


def downgrade():
    op.drop_index('ix_meeting_starts_at', table_name='meeting')
    op.drop_index('ix_meeting_convened_by_starts', table_name='meeting')
