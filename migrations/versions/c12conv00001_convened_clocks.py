"""a resolution clock remembers that its case was convened (it keeps the convened budget)

Revision ID: c12conv00001
Revises: b10sec000002
Create Date: 2026-11-29 12:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c12conv00001'
down_revision = 'b10sec000002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('convened', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.drop_column('convened')
