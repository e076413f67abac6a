"""API tokens for /api/v1 (issue 15)

Revision ID: f15api000001
Revises: e13perf00003
Create Date: 2026-11-29 18:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'f15api000001'
down_revision = 'f15hot000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('scopes', sa.String(length=200), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], name='fk_api_token_department_id_department'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_api_token_user_id_user'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name='fk_api_token_created_by_id_user'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name='fk_api_token_revoked_by_id_user'),
        sa.PrimaryKeyConstraint('id', name='pk_api_token'),
        sa.UniqueConstraint('token_hash', name='uq_api_token_token_hash'),
    )


def downgrade():
    op.drop_table('api_token')
