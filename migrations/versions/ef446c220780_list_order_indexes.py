"""list order indexes

Revision ID: ef446c220780
Revises: c90f0fd065ae
Create Date: 2026-11-22 00:38:55.087294

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ef446c220780'
down_revision = 'c90f0fd065ae'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_created_at'))
        batch_op.create_index('ix_ticket_created_order', ['created_at', 'id'], unique=False)
    # Autogenerate does not see expression indexes: the list's deadline order (nulls last) is written by hand.
    op.create_index('ix_ticket_due_order', 'ticket', [sa.text('(due_at IS NULL)'), 'due_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_ticket_due_order', table_name='ticket')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_created_order')
        batch_op.create_index(batch_op.f('ix_ticket_created_at'), ['created_at'], unique=False)

