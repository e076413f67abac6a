"""12345 hotline exchange: work orders (one per source and order number), a case's received time, and an outside
time limit on a clock

Revision ID: f15hot000001
Revises: e13perf00003
Create Date: 2026-11-29 18:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f15hot000001'
down_revision = 'e13perf00003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hotline_order',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('order_no', sa.String(length=64), nullable=False),
        sa.Column('caller_name', sa.String(length=40), nullable=False),
        sa.Column('caller_phone', sa.String(length=30), nullable=False),
        sa.Column('enterprise_name', sa.String(length=120), nullable=False),
        sa.Column('credit_code', sa.String(length=18), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('matter', sa.Text(), nullable=False),
        sa.Column('category_text', sa.String(length=100), nullable=False),
        sa.Column('urgency_text', sa.String(length=10), nullable=False),
        sa.Column('limit_due_at', sa.DateTime(), nullable=True),
        sa.Column('limit_days', sa.Integer(), nullable=True),
        sa.Column('limit_at', sa.DateTime(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('attachments', sa.Text(), nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_hotline_order_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_order')),
        sa.UniqueConstraint('source', 'order_no', name='uq_hotline_order_source_no'),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_hotline_order_ticket_id')))
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('limit_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.drop_column('limit_at')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('received_at')
    op.drop_table('hotline_order')
