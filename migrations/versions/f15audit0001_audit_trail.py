"""the audit trail of configuration changes (append-only, hash-chained, guarded by triggers) and when each person
last looked at their notifications

Revision ID: f15audit0001
Revises: e13perf00003
Create Date: 2026-11-29 18:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'f15audit0001'
down_revision = 'f16ent000001'
branch_labels = None
depends_on = None

# The same statements as app/audit.py GUARD_SQL, frozen here as they were when this revision was written.
SQLITE_GUARD = [
    "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record "
    "BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END",
    "CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record "
    "BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END",
]
POSTGRESQL_GUARD = [
    "CREATE OR REPLACE FUNCTION audit_record_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_record is append-only'; END $$",
    "CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record "
    "FOR EACH ROW EXECUTE FUNCTION audit_record_refuse()",
    "CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_record_refuse()",
]


def upgrade():
    op.create_table(
        'audit_record',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=120), nullable=False),
        sa.Column('via', sa.String(length=20), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('entity_type', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.String(length=64), nullable=False),
        sa.Column('before_json', sa.Text(), nullable=False),
        sa.Column('after_json', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_record_at', 'audit_record', ['at'])
    op.create_index('ix_audit_record_actor_id', 'audit_record', ['actor_id'])
    op.create_index('ix_audit_record_entity_type', 'audit_record', ['entity_type'])
    op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_GUARD, "postgresql": POSTGRESQL_GUARD}.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('notifications_seen_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_column('notifications_seen_at')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record")
        op.execute("DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record")
        op.execute("DROP FUNCTION IF EXISTS audit_record_refuse()")
    op.drop_table('audit_head')
    op.drop_index('ix_audit_record_entity_type', table_name='audit_record')
    op.drop_index('ix_audit_record_actor_id', table_name='audit_record')
    op.drop_index('ix_audit_record_at', table_name='audit_record')
    op.drop_table('audit_record')  # SQLite drops its triggers with the table
