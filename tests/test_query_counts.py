"""A page's number of SQL statements does not grow with its rows (issue 13): each hot view is rendered with a
few cases and with three times as many, and must issue the same number of statements both times."""
import re

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


def test_settings_given_in_the_database_url_are_kept_beside_the_apps(database, tmp_path):
    """An operator's `?options=-c …` in DATABASE_URL reaches the connection, with the app's own `jit=off`: the app's
    connection options used to replace the URL's (deploy/postgresql.md)."""
    from app import create_app
    from config import TestConfig
    if not database.startswith("postgresql"):
        pytest.skip("a PostgreSQL setting; CI runs this file on PostgreSQL too")
    sep = "&" if "?" in database else "?"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"{database}{sep}options=-c%20statement_timeout%3D4321",
                     UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        try:
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "4321ms"
            assert db.session.execute(text("SHOW jit")).scalar() == "off"
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.app_config(HALL_CACHE_SECONDS=60)
def test_the_hall_board_computes_its_figures_once_a_minute(app, factory, login, clock):
    supervisor = factory.user(Role.SUPERVISOR)
    factory.ticket(S.PROCESSING)
    client = login(app.test_client(), supervisor)
    first = statements(app, client, "/hall")
    clock.advance(seconds=20)
    again = statements(app, client, "/hall")  # the same minute: only the session and page queries remain
    clock.advance(minutes=1)
    later = statements(app, client, "/hall")  # a new minute: the figures are computed again
    # (the live leaders a supervisor sees keep their own per-minute cache, so `later` may be below `first`)
    assert again < later <= first, (first, again, later)


def test_the_overdue_board_pages_by_fifty(app, factory, login, clock, monkeypatch):
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    from app.supervision import views
    monkeypatch.setattr(views, "BOARD_PAGE_SIZE", 2)  # two rows a page keeps the test small
    tickets = [factory.ticket(S.TRIAGE, secretary=secretary) for _ in range(3)]
    clock.advance(days=10)
    with app.test_request_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
    client = login(app.test_client(), supervisor)
    first = client.get("/board/overdue").get_data(as_text=True)
    second = client.get("/board/overdue?page=2").get_data(as_text=True)
    rows = [re.findall(r'<tr class="board-case">\s*<td><a class="mono small" href="/tickets/\d+">(JJ-[\d-]+)</a>', page)
            for page in (first, second)]
    # an accepted case runs two clocks, both past due ten days later (first reply: 1 working day, resolution:
    # 5 working days): one row per case, so three rows, two a page: page 1 holds two cases, page 2 the third
    assert len(rows[0]) == 2 and len(rows[1]) == 1
    assert set(rows[0] + rows[1]) == {t.number for t in tickets}
    assert "page=2" in first and "第 2 / 2 页" in second


def test_the_ticket_page_does_not_grow_with_its_events(app, factory, login):
    # 5 notes, then 25 more: the timeline and each event's attachments load in a fixed number of statements.
    from app.models import Ticket, User
    from app.tickets.services import add_note
    secretary = factory.user(Role.SECRETARY)
    ticket_id = factory.ticket(S.PROCESSING, secretary=secretary).id

    def notes(n):
        with app.test_request_context():
            ticket, actor = db.session.get(Ticket, ticket_id), db.session.get(User, secretary.id)
            for k in range(n):
                add_note(ticket, actor, f"跟进记录 {k}")

    notes(5)
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    client.get(f"/tickets/{ticket_id}")
    few = statements(app, client, f"/tickets/{ticket_id}")
    notes(25)
    many = statements(app, client, f"/tickets/{ticket_id}")
    assert many == few, f"{few} statements with 5 events, {many} with 30"


def test_the_overdue_board_lists_cases_by_their_first_deadline_page_after_page(app, factory, clock):
    # Cases with one, two or three late clocks, some deadlines equal: the page reader walks the clocks in deadline
    # order and stops when the page is full; every page must be what grouping all late clocks by case and sorting
    # by each case's first deadline (ties by case id) gives.
    from sqlalchemy import func, select
    from app.models import TicketClock
    from app.supervision import board
    secretary = factory.user(Role.SECRETARY)
    for k in range(7):
        factory.ticket([S.INTAKE, S.TRIAGE, S.PROCESSING][k % 3], secretary=secretary)
        if k % 2:
            clock.advance(hours=3)  # every other pair made at the same moment: equal deadlines
    clock.advance(days=15)
    with app.test_request_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
        condition = board._running(board.LATE)
        reference = list(db.session.scalars(select(TicketClock.ticket_id).where(condition)
                                            .group_by(TicketClock.ticket_id)
                                            .order_by(func.min(TicketClock.due_at), TicketClock.ticket_id)))
        assert len(reference) == 7
        for per_page in (1, 2, 3, 7):
            pages = [board._cases_in_due_order(condition, skip, per_page) for skip in range(0, 8, per_page)]
            assert [i for page in pages for i in page] == reference, per_page
            assert all(len(page) == min(per_page, max(0, 7 - k * per_page)) for k, page in enumerate(pages))


@pytest.mark.app_config(BOARD_CACHE_SECONDS=30)
def test_the_overdue_boards_counts_are_tallied_once_per_half_minute_and_its_rows_are_live(app, factory, login,
                                                                                             clock):
    from app.models import Ticket, User
    from app.tickets import services
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    late = [factory.ticket(S.INTAKE, secretary=secretary) for _ in range(2)]
    clock.advance(days=3)  # both 24-hour acknowledgements are long past
    with app.test_request_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
    client = login(app.test_client(), supervisor)

    def badge_and_rows():
        html = client.get("/board/overdue").get_data(as_text=True)
        badge = re.search(r'全部超期\s*<span class="badge text-bg-light tab-count">(\d+)</span>', html).group(1)
        return int(badge), set(re.findall(r'href="/tickets/\d+">(JJ-[\d-]+)</a>', html)), html

    assert badge_and_rows()[:2] == (2, {t.number for t in late})
    with app.app_context():
        t = db.session.get(Ticket, late[0].id)
        services.reject_ticket(t, db.session.get(User, secretary.id), t.version, "不属于受理范围")  # its clock stops
    clock.advance(seconds=10)
    badge, rows, html = badge_and_rows()
    assert badge == 2 and rows == {late[1].number}  # the count is the one tallied 10 s ago; the rows are live
    assert "每 30 秒统计一次" in html
    clock.advance(seconds=30)
    assert badge_and_rows()[:2] == (1, {late[1].number})


def test_a_departments_late_cases_page_and_clamp_exactly(app, factory, login, clock, monkeypatch):
    # Department A leads two cases whose resolution clocks run late, B one. Filtered to A at one case a page: two
    # pages of A's cases only, in order of their first deadline; page 5 does not exist and shows the last page.
    from app.supervision import views
    monkeypatch.setattr(views, "BOARD_PAGE_SIZE", 1)
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    a, b = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    first = factory.ticket(S.RESOLVED, secretary=secretary, lead_officer=a)  # resolved: no late clock
    mine = [factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=a) for _ in range(2)]
    other = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=b)
    clock.advance(days=20)
    with app.test_request_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
    client = login(app.test_client(), supervisor)

    def numbers(html):
        return re.findall(r'<tr class="board-case">\s*<td><a class="mono small" href="/tickets/\d+">(JJ-[\d-]+)</a>',
                          html)

    url = f"/board/overdue?department={a.department_id}"
    pages = [client.get(url + f"&page={p}").get_data(as_text=True) for p in (1, 2, 5)]
    assert [numbers(p) for p in pages] == [[mine[0].number], [mine[1].number], [mine[1].number]]
    assert "共 2 件" in pages[0] and "第 1 / 2 页" in pages[0]
    assert "没有第 5 页：共 2 页，这里显示最后一页。" in pages[2]
    assert other.number not in "".join(pages) and first.number not in "".join(pages)
