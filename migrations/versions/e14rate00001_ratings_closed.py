"""好差评 closed: default ratings (at most one per case), the rating window's policy, remediations of a 差评 with
their own clock, return visits, and the remediation budget of each SLA policy

Revision ID: e14rate00001
Revises: e14sms000001
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e14rate00001'
down_revision = 'e14sms000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rating_policy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('default_after_days', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_rating_policy_updated_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_policy')))
    op.create_table(
        'return_visit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('way', sa.String(length=10), nullable=False),
        sa.Column('result', sa.Text(), nullable=False),
        sa.Column('satisfied', sa.Boolean(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_return_visit_recorded_by_id_user')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_return_visit_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_visit')))
    op.create_index(op.f('ix_return_visit_ticket_id'), 'return_visit', ['ticket_id'], unique=False)
    op.create_table(
        'remediation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('rating_id', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.Column('return_visit_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_remediation_rating_id_rating')),
        sa.ForeignKeyConstraint(['return_visit_id'], ['return_visit.id'],
                                name=op.f('fk_remediation_return_visit_id_return_visit')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_remediation_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_remediation')),
        sa.UniqueConstraint('rating_id', name=op.f('uq_remediation_rating_id')))
    op.create_index(op.f('ix_remediation_ticket_id'), 'remediation', ['ticket_id'], unique=False)
    op.create_index(op.f('ix_remediation_completed_at'), 'remediation', ['completed_at'], unique=False)
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('uq_rating_default', ['ticket_id'], unique=True, sqlite_where=sa.text('is_default'),
                              postgresql_where=sa.text('is_default'))
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remediation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ticket_clock_remediation_id_remediation'), 'remediation',
                                    ['remediation_id'], ['id'])
    with op.batch_alter_table('sla_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remediation_wd', sa.Integer(), server_default=sa.text('15'), nullable=False))


def downgrade():
    with op.batch_alter_table('sla_policy', schema=None) as batch_op:
        batch_op.drop_column('remediation_wd')
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_clock_remediation_id_remediation'), type_='foreignkey')
        batch_op.drop_column('remediation_id')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('uq_rating_default', sqlite_where=sa.text('is_default'),
                            postgresql_where=sa.text('is_default'))
        batch_op.drop_column('is_default')
    op.drop_index('ix_remediation_completed_at', table_name='remediation')
    op.drop_index('ix_remediation_ticket_id', table_name='remediation')
    op.drop_table('remediation')
    op.drop_index('ix_return_visit_ticket_id', table_name='return_visit')
    op.drop_table('return_visit')
    op.drop_table('rating_policy')
