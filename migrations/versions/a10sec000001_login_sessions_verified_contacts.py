"""login sessions ended by logout; verified enterprise contacts; who gave an evaluation

Revision ID: a10sec000001
Revises: 412bb99a85ea
Create Date: 2026-11-29 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a10sec000001'
down_revision = '412bb99a85ea'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_session_key_hash'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_verified', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('enterprise_evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contact_mobile', sa.String(length=20), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('enterprise_evaluation', schema=None) as batch_op:
        batch_op.drop_column('contact_mobile')
        batch_op.drop_column('contact_name')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('contact_verified')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
    op.drop_table('login_session')
