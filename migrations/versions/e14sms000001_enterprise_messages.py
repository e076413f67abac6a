"""messages to enterprises: SMS and email through the outbox, admins' wording, SMS opt-out, contact email

Revision ID: e14sms000001
Revises: e14link00001
Create Date: 2026-11-29 14:43:22

"""
from alembic import op
import sqlalchemy as sa


revision = 'e14sms000001'
down_revision = 'e14link00001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_message_template_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_template')),
    sa.UniqueConstraint('kind', name=op.f('uq_message_template_kind'))
    )
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sms_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enterprise_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_notification_dedupe_key'), ['dedupe_key'])
        batch_op.create_foreign_key(batch_op.f('fk_notification_enterprise_id_enterprise'), 'enterprise', ['enterprise_id'], ['id'])
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=120), server_default='', nullable=False))


def _restore_due_order_index():
    # SQLite rebuilds `ticket` to drop a column and cannot reflect the expression index, so it is lost: put it
    # back (PostgreSQL alters in place and keeps it). Adding the column is a plain ALTER and keeps it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE INDEX IF NOT EXISTS ix_ticket_due_order ON ticket ((due_at IS NULL), due_at, id)")


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
    _restore_due_order_index()
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_enterprise_id_enterprise'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_notification_dedupe_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_notification_enterprise_id'))
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('external_id')
        batch_op.drop_column('enterprise_id')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('sms_opt_out')
        batch_op.drop_column('email')
    op.drop_table('message_template')
