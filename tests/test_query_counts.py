"""A page's number of SQL statements does not grow with its rows (issue 13): each hot view is rendered with a
few cases and with three times as many, and must issue the same number of statements both times."""
import pytest
from sqlalchemy import event, text

from app.enums import Role, TicketState as S
from app.extensions import db


def statements(app, client, path):
    """How many statements one GET of `path` sends to the database."""
    seen = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return len(seen)


HOT_VIEWS = [
    ("secretary", "/tickets?state=processing"),
    ("secretary", "/workspace"),
    ("supervisor", "/tickets?state=processing"),
    ("supervisor", "/tickets?q=用电"),
    ("supervisor", "/workspace"),
    ("supervisor", "/board/overdue"),
    ("officer", "/tickets?state=processing"),
    ("officer", "/workspace"),
]


@pytest.mark.parametrize("role, path", HOT_VIEWS)
def test_statements_per_page_do_not_grow_with_rows(app, factory, login, clock, role, path):
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    viewer = {"secretary": secretary, "officer": officer, "supervisor": factory.user(Role.SUPERVISOR)}[role]

    def add(n):
        for _ in range(n):
            factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer, title="用电增容迟迟未办")
        clock.advance(days=30)  # every case is long overdue, so each row carries a red badge

    add(2)
    client = login(app.test_client(), viewer)
    client.get(path)  # warm: the first request of a process loads the calendar and the session
    few = statements(app, client, path)
    add(4)
    many = statements(app, client, path)
    assert many == few, f"{path}: {few} statements for 2 cases, {many} for 6"


def test_postgresql_connections_run_without_jit(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL setting; CI runs this file on PostgreSQL too")
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
