"""duty roster (值班表), messages sent whatever the hour, and the unit of a ticket's nearest deadline

Revision ID: d12duty00001
Revises: d13search001
Create Date: 2026-11-29 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd12duty00001'
down_revision = 'd13search001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'duty_shift',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_duty_shift_user_id_user')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_duty_shift_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_shift')),
        sa.UniqueConstraint('day', 'user_id', name='uq_duty_shift_day_user'))
    op.create_index(op.f('ix_duty_shift_day'), 'duty_shift', ['day'], unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('immediate', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_unit', sa.String(length=15), nullable=True))
    # The unit of the running clock behind each ticket's nearest deadline (the rest stay NULL: working days).
    op.execute("""
        UPDATE ticket SET due_unit = (
            SELECT MIN(ticket_clock.unit) FROM ticket_clock
            WHERE ticket_clock.ticket_id = ticket.id AND ticket_clock.stopped_at IS NULL
              AND ticket_clock.due_at = ticket.due_at)
        WHERE ticket.due_at IS NOT NULL""")


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('due_unit')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('immediate')
    op.drop_index('ix_duty_shift_day', table_name='duty_shift')
    op.drop_table('duty_shift')
