"""/api/v1 against its own OpenAPI document: schemathesis generates requests for every operation from the document
the app serves (through WSGI, with a token holding every scope, on seeded data) and checks that none answers with a
server error and that every answer matches the document (status, content type, headers, body)."""
import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)
from sqlalchemy import select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Category, Department, Enterprise, Ticket, User

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Kept modest: 12 operations × 20 examples (each sent as generated and again aimed at seeded rows) run in well under
# a minute on SQLite.
EXAMPLES = 20


@pytest.fixture
def seeded(app, factory):
    """Tickets in every state, enterprises, departments, categories and a published month, and a supervisor's token
    with every scope (a supervisor sees every case and may take every secretary's action)."""
    supervisor = factory.user(Role.SUPERVISOR)
    admin = factory.user(Role.ADMIN)
    for state in (S.INTAKE, S.TRIAGE, S.PROCESSING, S.CONVENED, S.ON_HOLD, S.RESOLVED, S.CLOSED, S.REJECTED):
        factory.ticket(state)
    from app.api import tokens
    from app.assessment.period import Month
    from app.assessment.publishing import publish_month
    with app.test_request_context():
        publish_month(Month(2026, 10), db.session.get(User, supervisor.id))
        _row, raw = tokens.issue(db.session.get(User, admin.id), name="schemathesis", scopes=list(tokens.SCOPES),
                                 user_id=supervisor.id)
        ids = {"ticket_id": db.session.scalars(select(Ticket.id)).all(), "month_text": ["2026-10"],
               "enterprise_id": db.session.scalars(select(Enterprise.id)).all(),
               "category_id": db.session.scalars(select(Category.id)).all(),
               "lead_department_id": db.session.scalars(select(Department.id)).all()}
    return raw, ids


def _aimed(case, ids, turn):
    """The same generated case with its ids pointing at seeded rows: random ids nearly always miss (404, 422), and
    the paths behind them would go untried."""
    changed = False
    for key, values in ids.items():
        if key in (case.path_parameters or {}):
            case.path_parameters[key] = values[turn % len(values)]
            changed = True
        if isinstance(case.body, dict) and key in case.body:
            case.body[key] = values[turn % len(values)]
            changed = True
    return changed


def test_api_answers_match_the_document(app, seeded):
    token, ids = seeded
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12  # tickets 5, reference 3, assessment 2, the 12345 exchange 2
    failures, turns = [], itertools.count()
    for operation in operations:
        # One hypothesis run per operation (schemathesis' pytest loader does not run under this pytest).
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)
            if _aimed(case, ids, next(turns)):
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 — every operation is tried; all failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
