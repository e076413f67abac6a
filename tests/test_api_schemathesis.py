"""/api/v1 against its own OpenAPI document: schemathesis generates requests for every operation from the document
the app serves (through WSGI, with a token holding every scope, on seeded data) and checks that none answers with a
server error and that every answer matches the document (status, content type, headers, body)."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import User

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Kept modest: 10 operations × 25 examples run in well under a minute on SQLite.
EXAMPLES = 25


@pytest.fixture
def seeded_token(app, factory):
    """Tickets in several states, enterprises, departments and categories, and a supervisor's token with every
    scope (a supervisor sees every case and may take every secretary's action)."""
    supervisor = factory.user(Role.SUPERVISOR)
    admin = factory.user(Role.ADMIN)
    for state in (S.INTAKE, S.TRIAGE, S.PROCESSING, S.ON_HOLD, S.RESOLVED, S.CLOSED):
        factory.ticket(state)
    from app.api import tokens
    with app.test_request_context():
        _row, raw = tokens.issue(db.session.get(User, admin.id), name="schemathesis", scopes=list(tokens.SCOPES),
                                 user_id=supervisor.id)
    return raw


def test_api_answers_match_the_document(app, seeded_token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded_token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    failures = []
    for operation in operations:
        # One hypothesis run per operation (schemathesis' pytest loader does not run under this pytest).
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 — every operation is tried; all failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
