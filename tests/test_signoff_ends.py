"""A department's sign-off clock ends "no longer needed" when its case is resolved before it signed: no breach,
no dead row in the department's queue, nothing counted for or against it; a live queue row shows the viewer's
own deadline and an action the viewer can take (issue 12 item 11).

Hand-worked: tickets are submitted and accepted Mon 2026-11-16 09:00 (no holiday in late November 2026); a
sign-off clock started then has 1 working day: due at the end of Tue 11-17 (11-18 00:00, "2026-11-17 24:00").
"""
from datetime import datetime

from sqlalchemy import select

from app.assessment import publishing
from app.assessment.period import Month
from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Assignment, ClockLevelChange, Ticket, TicketClock, User
from app.supervision.sweep import sweep
from app.tickets import services as ts
from sla.calendar import SHANGHAI

NOV = Month(2026, 11)


def bj(m, d, hh=0, mm=0):
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


def sign_off_clock(ticket_id, department_id):
    return db.session.scalar(select(TicketClock).join(Assignment, Assignment.id == TicketClock.assignment_id).where(
        TicketClock.ticket_id == ticket_id, TicketClock.kind == "sign_off", Assignment.department_id == department_id))


def sign_off_figure(department_id):
    """(counted, earned) of a department's 及时签收率 in November, as the draft stands."""
    unit = next((u for u in publishing.live_scores("department", NOV) if u.unit_id == department_id), None)
    figure = unit.figures.get("sign_off") if unit else None
    return (figure.counted, figure.earned) if figure else (0, 0)


def test_resolving_ends_an_unsigned_sign_off_as_no_longer_needed(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    lead = factory.user(Role.OFFICER)
    support_dept = factory.department("人社局")
    support = factory.user(Role.OFFICER, department_id=support_dept)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=lead, support_department_ids=[support_dept])

    # Before: the supporting department's queue shows the case with its own deadline and 签收.
    html = login(app.test_client(), support).get("/workspace").get_data(as_text=True)
    assert ref.number in html and "2026-11-17 24:00" in html
    assert f'/tickets/{ref.id}?action=sign' in html

    # The lead signs at 10:00; the secretary resolves at 15:00, before the supporting department signed.
    with app.test_request_context():
        clock.set(bj(11, 16, 10))
        t = db.session.get(Ticket, ref.id)
        ts.sign_assignment(t, db.session.get(User, lead.id), t.version)
        clock.set(bj(11, 16, 15))
        t = db.session.get(Ticket, ref.id)
        ts.resolve_ticket(t, db.session.get(User, secretary.id), t.version, "已办理完毕")
        ended = sign_off_clock(ref.id, support_dept)
        assert ended.stopped_at == bj(11, 16, 15)
        assert (ended.outcome, ended.breached) == ("not_needed", False)
        signed = sign_off_clock(ref.id, lead.department_id)
        assert signed.outcome is None and signed.stopped_at == bj(11, 16, 10)

    # Days later the ended sign-off is never flagged (only the secretary's follow-up is), and the case has left
    # the supporting department's queue.
    clock.set(bj(11, 20, 10))
    with app.app_context():
        sweep(clock.now())
        ended = sign_off_clock(ref.id, support_dept)
        assert ended.level == "ok" and not db.session.scalars(
            select(ClockLevelChange).where(ClockLevelChange.clock_id == ended.id)).all()
    client = login(app.test_client(), support)
    assert ref.number not in client.get("/workspace").get_data(as_text=True)
    panel = client.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "不再需要" in panel

    # November's figures: the lead signed within its day (1 of 1); the supporting department has no line.
    clock.set(bj(12, 1, 9))
    with app.test_request_context():
        assert sign_off_figure(lead.department_id) == (1, 1)
        assert sign_off_figure(support_dept) == (0, 0)


def test_a_breach_before_the_case_ended_still_counts(app, factory, clock):
    """Rule: ending a sign-off clock erases nothing that already happened. The supporting department let its
    sign-off pass 11-18 00:00 unsigned; the case was resolved on 11-18 10:00: the clock ends "no longer
    needed", but the late sign-off stands (1 counted, 0 earned)."""
    secretary = factory.user(Role.SECRETARY)
    lead = factory.user(Role.OFFICER)
    support_dept = factory.department("税务局")
    factory.user(Role.OFFICER, department_id=support_dept)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=lead, support_department_ids=[support_dept])
    clock.set(bj(11, 18, 1))
    with app.app_context():
        sweep(clock.now())
    with app.test_request_context():
        clock.set(bj(11, 18, 10))
        t = db.session.get(Ticket, ref.id)
        ts.resolve_ticket(t, db.session.get(User, secretary.id), t.version, "已办理完毕")
        ended = sign_off_clock(ref.id, support_dept)
        assert (ended.outcome, ended.breached) == ("not_needed", True)
        clock.set(bj(12, 1, 9))
        assert sign_off_figure(support_dept) == (1, 0)


def test_a_live_queue_row_shows_the_viewers_own_deadline_and_action(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    lead = factory.user(Role.OFFICER)
    support_dept = factory.department("市场监管局")
    support = factory.user(Role.OFFICER, department_id=support_dept)
    # Accepted Mon 09:00: first reply due 11-17 24:00 (the case's nearest deadline, the secretary's), resolution
    # 5 working days -> 11-23 24:00. Dispatched Tue 11-17 10:00: each sign-off has 1 working day -> 11-18 24:00.
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    with app.test_request_context():
        clock.set(bj(11, 17, 10))
        t = db.session.get(Ticket, ref.id)
        ts.dispatch_ticket(t, db.session.get(User, secretary.id), t.version, lead.department_id, [support_dept],
                           "请办理")
        assert db.session.get(Ticket, ref.id).due_at == bj(11, 18)  # the secretary's first reply

    row = _row(login(app.test_client(), support).get("/workspace").get_data(as_text=True), ref.number)
    assert "2026-11-18 24:00" in row and "2026-11-17 24:00" not in row
    assert f'/tickets/{ref.id}?action=sign' in row and "签收" in row

    # Once the lead signs, its row is the case it leads: its deadline is the resolution, its action 报告进展.
    with app.test_request_context():
        clock.set(bj(11, 17, 11))
        t = db.session.get(Ticket, ref.id)
        ts.sign_assignment(t, db.session.get(User, lead.id), t.version)
    lead_client = login(app.test_client(), lead)
    row = _row(lead_client.get("/workspace").get_data(as_text=True), ref.number)
    assert "2026-11-23 24:00" in row and f'/tickets/{ref.id}?action=progress' in row and "报告进展" in row
    # The link opens that action's form on the ticket page.
    page = lead_client.get(f"/tickets/{ref.id}?action=progress").get_data(as_text=True)
    assert 'class="action action-progress" open' in page


def _row(html, number):
    """The queue's table row of one ticket."""
    start = html.index(number)
    return html[html.rindex("<tr", 0, start):html.index("</tr>", start)]
