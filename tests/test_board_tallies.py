"""The overdue board's counts and each department's late cases are kept by the SLA worker after every sweep; pages
read them while they are fresh and tally live when the worker stopped. The rows listed are always live."""
import re

import pytest

from app.enums import Role, TicketState as S
from app.extensions import db
from sqlalchemy import select


def _page(client, url="/board/overdue"):
    html = client.get(url).get_data(as_text=True)
    badge = int(re.search(r'全部超期\s*<span class="badge text-bg-light tab-count">(\d+)</span>', html).group(1))
    rows = re.findall(r'<tr class="board-case">\s*<td><a class="mono small" href="/tickets/\d+">(JJ-[\d-]+)</a>', html)
    return badge, rows, html


@pytest.mark.app_config(BOARD_CACHE_SECONDS=30)
def test_the_board_reads_the_counts_the_sla_worker_kept_and_tallies_itself_when_the_worker_stopped(
        app, factory, login, clock):
    from app.models import Ticket, User
    from app.supervision.scheduler import run_sweep
    from app.tickets import services
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    late = [factory.ticket(S.INTAKE, secretary=secretary) for _ in range(2)]
    clock.advance(days=3)  # both 24-hour acknowledgements are long past
    assert run_sweep(app)["board_late_cases"] == 2
    client = login(app.test_client(), supervisor)
    # START is 01:00 UTC; three days later the sweep ran at 01:00 UTC, 09:00 in Beijing.
    badge, rows, html = _page(client)
    assert (badge, set(rows)) == (2, {t.number for t in late})
    assert "为 SLA 巡检 09:00 的统计" in html

    with app.app_context():
        t = db.session.get(Ticket, late[0].id)
        services.reject_ticket(t, db.session.get(User, secretary.id), t.version, "不属于受理范围")  # its clock stops
    clock.advance(seconds=40)  # past BOARD_CACHE_SECONDS: a page would have tallied afresh by itself
    badge, rows, _ = _page(client)
    assert (badge, rows) == (2, [late[1].number])  # the kept count until the next sweep; the rows are live

    assert run_sweep(app)["board_late_cases"] == 1
    assert _page(client)[:2] == (1, [late[1].number])

    with app.app_context():
        t = db.session.get(Ticket, late[1].id)
        services.reject_ticket(t, db.session.get(User, secretary.id), t.version, "不属于受理范围")
    clock.advance(minutes=3, seconds=1)  # the kept tally is older than three sweeps: the worker has stopped
    badge, rows, html = _page(client)
    assert (badge, rows) == (0, [])
    assert "每 30 秒统计一次" in html and "SLA 巡检" not in html


@pytest.mark.app_config(BOARD_CACHE_SECONDS=30)
def test_a_departments_late_cases_come_from_the_kept_tally_in_deadline_order_and_agree_with_the_live_one(
        app, factory, login, clock):
    from app.models import Ticket, User
    from app.supervision import board
    from app.supervision.scheduler import run_sweep
    from app.tickets import services
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    a, b = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    # A leads two cases, dispatched a day apart (so the first one's resolution deadline comes first), B one.
    first = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=a)
    clock.advance(days=1)
    second = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=a)
    other = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=b)
    clock.advance(days=30)  # every resolution deadline (a few working days) is long past
    run_sweep(app)
    client = login(app.test_client(), supervisor)

    departments = client.get("/board/overdue?view=department").get_data(as_text=True)
    assert re.search(r'department=%d">[^<]+</a></td>\s*<td[^>]*>2 件' % a.department_id, departments)
    assert re.search(r'department=%d">[^<]+</a></td>\s*<td[^>]*>1 件' % b.department_id, departments)

    with app.test_request_context():
        for department_id in (a.department_id, b.department_id):
            for levels in (board.LATE, board.tab_levels("overdue"), board.tab_levels("escalated")):
                live = board._cases_in_due_order(board._clock_filter(levels, department_id), 0)
                assert board._kept_department_cases(department_id, levels) == live
                # the page's own fallback (no kept list: a stopped worker) reads them in one go, same order
                assert board._all_cases_in_due_order(board._clock_filter(levels, department_id)) == live
        assert board._kept_department_cases(a.department_id, board.LATE) == [first.id, second.id]
        assert board._kept_department_cases(a.department_id, board.tab_levels("warning")) is None  # not kept

    url = f"/board/overdue?department={a.department_id}"
    assert _page(client, url)[1] == [first.number, second.number]
    with app.app_context():
        t = db.session.get(Ticket, first.id)
        services.resolve_ticket(t, db.session.get(User, secretary.id), t.version, "已办理完毕")  # its clock stops
    badge, rows, html = _page(client, url)
    # The kept list still names the resolved case until the next sweep; its row, read live, is gone.
    assert rows == [second.number] and "共 2 件" in html and other.number not in html
    run_sweep(app)
    badge, rows, html = _page(client, url)
    assert rows == [second.number] and "共 1 件" in html


def test_a_departments_warning_tab_lists_a_clock_with_no_due_time_after_the_dated_ones(app, factory, login):
    """A running clock with no due time (a paused one; here written so) at a listed level: the department's tab,
    read in one statement and sorted in Python, lists it after the dated ones instead of failing on the comparison
    (500). The other case's clock is at 即将到期 with its due time."""
    from app.models import TicketClock
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    dated = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    undated = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    with app.app_context():
        for clock_row in db.session.scalars(select(TicketClock).where(
                TicketClock.ticket_id.in_([dated.id, undated.id]), TicketClock.kind == "resolution")):
            clock_row.level = "warning"
            if clock_row.ticket_id == undated.id:
                clock_row.due_at = None
        db.session.commit()
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    response = client.get(f"/board/overdue?level=warning&department={officer.department_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert dated.number in html and undated.number in html
    assert html.index(dated.number) < html.index(undated.number)
