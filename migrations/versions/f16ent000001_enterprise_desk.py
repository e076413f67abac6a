"""the secretary's desk: an enterprise's contacts and its history

Revision ID: f16ent000001
Revises: e13perf00003
Create Date: 2026-11-29 18:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f16ent000001'
down_revision = 'f15merge0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enterprise_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=40), server_default='', nullable=False),
    sa.Column('mobile', sa.String(length=20), server_default='', nullable=False),
    sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('is_primary', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_contact_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_contact'))
    )
    with op.batch_alter_table('enterprise_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_contact_enterprise_id'), ['enterprise_id'], unique=False)
    op.create_table('enterprise_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_enterprise_event_actor_id_user')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_event_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_event'))
    )
    with op.batch_alter_table('enterprise_event', schema=None) as batch_op:
        batch_op.create_index('ix_enterprise_event_enterprise_at', ['enterprise_id', 'at'], unique=False)
    # Each company's existing contact becomes its primary contact (verified as it was).
    op.execute("INSERT INTO enterprise_contact (enterprise_id, position, name, title, mobile, verified, is_primary) "
               "SELECT id, 0, contact_name, '', mobile, contact_verified, " + sa.true().compile(
                   dialect=op.get_bind().dialect).string + " FROM enterprise "
               "WHERE contact_name <> '' OR mobile <> ''")
    # Whose a secretary's deadline was when a case changed hands (app/tickets/routing.py). Plain columns: added in
    # place on SQLite, without copying the clock table.
    op.add_column('ticket_clock', sa.Column('holder_fixed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('ticket_clock', sa.Column('holder_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket_clock', schema=None) as batch_op:
        batch_op.drop_column('holder_id')
        batch_op.drop_column('holder_fixed')
    with op.batch_alter_table('enterprise_event', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprise_event_enterprise_at')
    op.drop_table('enterprise_event')
    with op.batch_alter_table('enterprise_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_contact_enterprise_id'))
    op.drop_table('enterprise_contact')
