"""personal tracking links (hashed tokens, revocable); a staff member's office phone

Revision ID: e14link00001
Revises: d13draft0001
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e14link00001'
down_revision = 'd13draft0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tracking_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_tracking_link_ticket_id_ticket')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_tracking_link_created_by_id_user')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_tracking_link_revoked_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tracking_link_token_hash'))
    )
    with op.batch_alter_table('tracking_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_link_ticket_id'), ['ticket_id'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_phone', sa.String(length=30), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('office_phone')
    with op.batch_alter_table('tracking_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_link_ticket_id'))
    op.drop_table('tracking_link')
