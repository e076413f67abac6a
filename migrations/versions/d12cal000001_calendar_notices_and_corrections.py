"""imported State Council notices per year; a settled clock's corrected due time waiting for its month to be
republished; the lines of a published version a correction would change

Revision ID: d12cal000001
Revises: d12lvl000001
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd12cal000001'
down_revision = 'd12lvl000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('holidays_text', sa.Text(), nullable=False),
        sa.Column('workdays_text', sa.Text(), nullable=False),
        sa.Column('days_off', sa.Integer(), nullable=False),
        sa.Column('workdays', sa.Integer(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['imported_by_id'], ['user.id'], name=op.f('fk_calendar_notice_imported_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_notice')),
    )
    with op.batch_alter_table('calendar_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_notice_year'), ['year'], unique=False)
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_due_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_lines', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.drop_column('pending_lines')
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.drop_column('calendar_due_at')
    with op.batch_alter_table('calendar_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_notice_year'))
    op.drop_table('calendar_notice')
