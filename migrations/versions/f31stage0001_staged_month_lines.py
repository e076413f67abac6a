"""Last month's lines are kept ready for its publication: `assessment_stage` (one row per month being settled, whose
lines are stored in assessment_fact under the stage's negative id), `case_change` (the cases whose lines may have
changed since the stage last read them, written by triggers on every table a line is read from), and
`assessment_run.lines_key` (the key a version's lines are stored under when they came from a stage). Publishing
October at 1,000,000 cases wrote 386,680 lines in the request (bench/README.md, stop 31).

Revision ID: f31stage0001
Revises: f30facts0001
Create Date: 2026-12-01 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f31stage0001'
down_revision = 'f30facts0001'
branch_labels = None
depends_on = None

# Each table a month's line reads, and how its row names its case. A line of a case depends only on that case's rows
# (app/assessment/facts.py), so a change to any of them marks the case.
BY_TICKET_ID = ['ticket_clock', 'assignment', 'rating', 'action_item', 'score_exclusion', 'appeal']
# A case's own row counts only for its secretary and its merge.
TICKET_COLUMNS = ['secretary_id', 'merged_into_id', 'merged_at']
# Lines of no case (a secretary's visits, an enterprise's evaluations): a change is noted without a case.
CASELESS = ['visit', 'enterprise_evaluation']

PG_FUNCTIONS = {
    'jj_case_changed': """
        IF TG_OP = 'INSERT' THEN
            INSERT INTO case_change (ticket_id) VALUES (NEW.ticket_id);
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO case_change (ticket_id) VALUES (OLD.ticket_id);
        ELSE
            INSERT INTO case_change (ticket_id) VALUES (NEW.ticket_id);
            IF NEW.ticket_id IS DISTINCT FROM OLD.ticket_id THEN
                INSERT INTO case_change (ticket_id) VALUES (OLD.ticket_id);
            END IF;
        END IF;""",
    'jj_pause_changed': """
        INSERT INTO case_change (ticket_id)
        SELECT ticket_id FROM ticket_clock
        WHERE id IN (CASE WHEN TG_OP = 'DELETE' THEN OLD.clock_id ELSE NEW.clock_id END,
                     CASE WHEN TG_OP = 'UPDATE' THEN OLD.clock_id END);""",
    'jj_ticket_changed': """
        INSERT INTO case_change (ticket_id) VALUES (NEW.id);""",
    'jj_caseless_changed': """
        INSERT INTO case_change (ticket_id) VALUES (NULL);""",
}


def _postgresql_triggers():
    for name, body in PG_FUNCTIONS.items():
        op.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                   f"    BEGIN{body}\n        RETURN NULL;\n    END $$")
    for table in BY_TICKET_ID:
        op.execute(f"CREATE TRIGGER tr_{table}_case_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION jj_case_changed()")
    op.execute("CREATE TRIGGER tr_clock_pause_case_change AFTER INSERT OR UPDATE OR DELETE ON clock_pause "
               "FOR EACH ROW EXECUTE FUNCTION jj_pause_changed()")
    op.execute(f"CREATE TRIGGER tr_ticket_case_change AFTER UPDATE OF {', '.join(TICKET_COLUMNS)} ON ticket "
               f"FOR EACH ROW EXECUTE FUNCTION jj_ticket_changed()")
    for table in CASELESS:  # once a statement: a note without a case says only that these lines changed
        op.execute(f"CREATE TRIGGER tr_{table}_case_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION jj_caseless_changed()")


def _sqlite_triggers():
    def trigger(name, when, table, body):
        op.execute(f"CREATE TRIGGER {name} AFTER {when} ON {table} BEGIN {body}; END")

    for table in BY_TICKET_ID:
        trigger(f"tr_{table}_insert_case_change", "INSERT", table,
                "INSERT INTO case_change (ticket_id) VALUES (NEW.ticket_id)")
        trigger(f"tr_{table}_update_case_change", "UPDATE", table,
                "INSERT INTO case_change (ticket_id) SELECT NEW.ticket_id UNION SELECT OLD.ticket_id")
        trigger(f"tr_{table}_delete_case_change", "DELETE", table,
                "INSERT INTO case_change (ticket_id) VALUES (OLD.ticket_id)")
    of_clock = "INSERT INTO case_change (ticket_id) SELECT ticket_id FROM ticket_clock WHERE id IN ({})"
    trigger("tr_clock_pause_insert_case_change", "INSERT", "clock_pause", of_clock.format("NEW.clock_id"))
    trigger("tr_clock_pause_update_case_change", "UPDATE", "clock_pause",
            of_clock.format("NEW.clock_id, OLD.clock_id"))
    trigger("tr_clock_pause_delete_case_change", "DELETE", "clock_pause", of_clock.format("OLD.clock_id"))
    trigger("tr_ticket_update_case_change", f"UPDATE OF {', '.join(TICKET_COLUMNS)}", "ticket",
            "INSERT INTO case_change (ticket_id) VALUES (NEW.id)")
    for table in CASELESS:
        for event in ('insert', 'update', 'delete'):
            trigger(f"tr_{table}_{event}_case_change", event.upper(), table,
                    "INSERT INTO case_change (ticket_id) VALUES (NULL)")


def upgrade():
    op.create_table(
        'case_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),  # NULL: a line of no case changed
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_change')),
    )
    op.create_table(
        'assessment_stage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ready', sa.Boolean(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_stage')),
        sa.UniqueConstraint('month', name=op.f('uq_assessment_stage_month')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('assessment_run') as batch:
        batch.add_column(sa.Column('lines_key', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in BY_TICKET_ID + ['clock_pause', 'ticket'] + CASELESS:
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_case_change ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for table in BY_TICKET_ID + ['clock_pause'] + CASELESS:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_{event}_case_change")
        op.execute("DROP TRIGGER IF EXISTS tr_ticket_update_case_change")
    # A version published from a stage keeps its lines: they move under its own id. A stage's own lines go.
    op.execute("UPDATE assessment_fact SET run_id = (SELECT id FROM assessment_run "
               "WHERE assessment_run.lines_key = assessment_fact.run_id) "
               "WHERE run_id IN (SELECT lines_key FROM assessment_run WHERE lines_key IS NOT NULL)")
    op.execute("DELETE FROM assessment_fact WHERE run_id < 0")
    with op.batch_alter_table('assessment_run') as batch:
        batch.drop_column('lines_key')
    op.drop_table('assessment_stage')
    op.drop_table('case_change')
