"""an approved extension sets a new due time (a date, or working days from the approval); a procedure remembers
that its secretary was told it is overdue

Revision ID: d12ext000001
Revises: d12cal000001
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd12ext000001'
down_revision = 'd12cal000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('extension', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('new_due_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_before', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('due_after', sa.DateTime(), nullable=True))
        # The supervisors' menu counts pending requests on every page: one COUNT over an index.
        batch_op.create_index('ix_extension_status', ['status'], unique=False)
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_notified_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_column('overdue_notified_at')
    with op.batch_alter_table('extension', schema=None) as batch_op:
        batch_op.drop_index('ix_extension_status')
        batch_op.drop_column('due_after')
        batch_op.drop_column('due_before')
        batch_op.drop_column('new_due_days')
        batch_op.drop_column('new_due_on')
