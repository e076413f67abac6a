"""A month's frozen lines are written without checking their run's row line by line: the foreign key from
assessment_fact.run_id to assessment_run is dropped. Lines are written only by publish_month, in the transaction that
makes their run, and runs are never deleted; PostgreSQL's check locked the run's row once a line (3.2 of the 7.1 s it
took to write a month's 386,680 lines at 1,000,000 cases; SQLite 0.3 of 1.2 s; bench/README.md).

Revision ID: f30facts0001
Revises: f29queue0001
Create Date: 2026-12-01 02:00:00

"""
from alembic import op


revision = 'f30facts0001'
down_revision = 'f29queue0001'
branch_labels = None
depends_on = None

NAME = 'fk_assessment_fact_run_id_assessment_run'


def upgrade():
    # SQLite rebuilds the table (batch mode) to drop a constraint; PostgreSQL drops it in place.
    with op.batch_alter_table('assessment_fact') as batch:
        batch.drop_constraint(NAME, type_='foreignkey')


def downgrade():
    with op.batch_alter_table('assessment_fact') as batch:
        batch.create_foreign_key(NAME, 'assessment_run', ['run_id'], ['id'])
