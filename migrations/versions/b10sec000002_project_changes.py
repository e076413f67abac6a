"""project changes: the append-only history of project dates and procedure status, dates and notes

Revision ID: b10sec000002
Revises: a10sec000001
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b10sec000002'
down_revision = 'a10sec000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('stage_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_project_change_actor_id_user')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_project_change_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_change_project_id_project')),
    sa.ForeignKeyConstraint(['stage_id'], ['project_stage.id'], name=op.f('fk_project_change_stage_id_project_stage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_change'))
    )
    with op.batch_alter_table('project_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_change_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_change_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('project_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_change_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_change_procedure_id'))
    op.drop_table('project_change')
