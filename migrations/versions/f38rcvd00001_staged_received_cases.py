"""The received-based 办结率 and the on-time rates by kind of a staged month from its stage: `assessment_stage_case`
holds, for each case of the month's year received by its end and counted (not refused, merged or excluded), whether
it was received in the month and whether it stood resolved at the month's end; `assessment_stage_clock` each clock
decided in the month, its kind and whether it was met. Publishing a month probed every such case's resolution clocks
in the request (524,055 cases, 3.7 s on SQLite at 1,000,000 cases) and read every clock due or stopped in the month
(2.3-2.6 s): bench/README.md, stop 38.

A case's own row now notes it on insert and when its state, closing time or creation time changes, too: whether it
was refused (退回, 退单) by a month's end is read from them.

Revision ID: f38rcvd00001
Revises: f32lead00001
Create Date: 2026-12-02 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f38rcvd00001'
down_revision = 'f32lead00001'
branch_labels = None
depends_on = None

BEFORE = ['secretary_id', 'merged_into_id', 'merged_at']
COLUMNS = BEFORE + ['state', 'closed_at', 'created_at']
NOTE = "INSERT INTO case_change (ticket_id) VALUES (NEW.id)"


def _ticket_triggers(columns, on_insert):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS tr_ticket_case_change ON ticket")
        when = ("INSERT OR " if on_insert else "") + f"UPDATE OF {', '.join(columns)}"
        op.execute(f"CREATE TRIGGER tr_ticket_case_change AFTER {when} ON ticket "
                   f"FOR EACH ROW EXECUTE FUNCTION jj_ticket_changed()")
        return
    op.execute("DROP TRIGGER IF EXISTS tr_ticket_update_case_change")
    op.execute("DROP TRIGGER IF EXISTS tr_ticket_insert_case_change")
    op.execute(f"CREATE TRIGGER tr_ticket_update_case_change AFTER UPDATE OF {', '.join(columns)} ON ticket "
               f"BEGIN {NOTE}; END")
    if on_insert:
        op.execute(f"CREATE TRIGGER tr_ticket_insert_case_change AFTER INSERT ON ticket BEGIN {NOTE}; END")


def upgrade():
    op.create_table(
        'assessment_stage_case',
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('in_month', sa.Boolean(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('stage_id', 'ticket_id', name=op.f('pk_assessment_stage_case')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'assessment_stage_clock',
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('clock_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('on_time', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('stage_id', 'ticket_id', 'clock_id', name=op.f('pk_assessment_stage_clock')),
        sqlite_with_rowid=False,
    )
    _ticket_triggers(COLUMNS, on_insert=True)
    # Stages built before this have no cases: built again, they have (a month is published by a full tally meanwhile).
    op.execute("DELETE FROM assessment_fact WHERE run_id IN (SELECT -id FROM assessment_stage)")
    op.execute("DELETE FROM assessment_stage")


def downgrade():
    _ticket_triggers(BEFORE, on_insert=False)
    op.drop_table('assessment_stage_clock')
    op.drop_table('assessment_stage_case')
