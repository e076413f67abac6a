"""An enterprise's own page without passwords: one-time SMS sign-in codes, enterprise sessions, and the indexes
that find a mobile number's cases

Revision ID: e14sign00001
Revises: e14rate00001
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e14sign00001'
down_revision = 'e14rate00001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signin_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mobile', sa.String(length=20), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('tries', sa.Integer(), server_default='0', nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_code')))
    op.create_index(op.f('ix_signin_code_mobile'), 'signin_code', ['mobile'], unique=False)
    op.create_index(op.f('ix_signin_code_created_at'), 'signin_code', ['created_at'], unique=False)
    op.create_table(
        'enterprise_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mobile', sa.String(length=20), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_session')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_enterprise_session_key_hash')))
    op.create_index(op.f('ix_enterprise_session_created_at'), 'enterprise_session', ['created_at'], unique=False)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_contact_mobile'), ['contact_mobile'], unique=False)
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_mobile'), ['mobile'], unique=False)


def downgrade():
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_mobile'))
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_contact_mobile'))
    op.drop_index(op.f('ix_enterprise_session_created_at'), table_name='enterprise_session')
    op.drop_table('enterprise_session')
    op.drop_index(op.f('ix_signin_code_created_at'), table_name='signin_code')
    op.drop_index(op.f('ix_signin_code_mobile'), table_name='signin_code')
    op.drop_table('signin_code')
