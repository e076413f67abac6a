"""一表制 as the center reports it: yearly park targets, each stage's owner (责任人) and key work items (关键工作),
and 施工图审查 in the procedure catalogue (between 工程规划许可证 and 施工许可证)

Revision ID: f16proj00001
Revises: e13perf00003
Create Date: 2026-11-29 18:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'f16proj00001'
down_revision = 'f15audit0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('park_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('park', sa.String(length=60), nullable=False),
    sa.Column('new_starts', sa.Integer(), nullable=False),
    sa.Column('in_production', sa.Integer(), nullable=False),
    sa.Column('start_rate', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_park_target_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_park_target')),
    sa.UniqueConstraint('year', 'park', name='uq_park_target_year_park')
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('work_items', sa.Text(), server_default='', nullable=False))
    # The catalogue gains the drawing review that comes before the construction permit (unless an admin added
    # one of that name already); its department is linked by ensure_reference_data like the others.
    conn = op.get_bind()
    taken = conn.execute(sa.text("SELECT count(*) FROM procedure_type WHERE code = 'construction_drawing_review' "
                                 "OR name = '施工图审查'")).scalar()
    if not taken:
        kind = sa.table("procedure_type", sa.column("code", sa.String), sa.column("name", sa.String),
                        sa.column("standard_wd", sa.Integer), sa.column("is_active", sa.Boolean))
        op.bulk_insert(kind, [{"code": "construction_drawing_review", "name": "施工图审查", "standard_wd": 10,
                               "is_active": True}])


def downgrade():
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_column('work_items')
        batch_op.drop_column('owner')
    op.drop_table('park_target')
