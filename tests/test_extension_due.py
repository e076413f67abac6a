"""An approved extension sets a new due time (issue 12, item 6), worked out by hand.

Rule (README, "Deadlines"): resolution 5 working days; "N working days" ends at the end of the N-th working day
after the day the clock started. A supervisor approving an extension sets the clock's new due time: the end of a
date (a working day, not before the approval day, at most a year ahead), or the end of the N-th working day after
the approval day (1 ≤ N ≤ 250). The new due time must be later than the current one. Adding days to a case long
overdue would leave it overdue (49 days late + 5 days = still 44 days late), which is the defect.

The 2026 statutory calendar around these dates: Sun 20 Sep is a make-up working day (调休上班), Fri 25 Sep is the
Mid-Autumn holiday, 1–7 Oct National Day; July to mid-September has no holiday.

Case A is accepted and dispatched on Fri 3 Jul 2026, 09:00 Beijing.
- 5 working days after Fri 3 Jul: Mon 6, Tue 7, Wed 8, Thu 9, Fri 10 -> due at the end of Fri 10 Jul
  ("2026-07-10 24:00").
- Working days after that: Jul 13-17 (5), 20-24 (10), 27-31 (15), Aug 3-7 (20), 10-14 (25), 17-21 (30),
  24-28 (35), Aug 31-Sep 4 (40), Sep 7-11 (45), Mon 14-Thu 17 Sep (49). On Fri 18 Sep at 09:00 it is 49 working
  days and 9 hours late: 49 + 9/24 = 49.375 -> "超期 49.4 个工作日".
- The supervisor approves "until Wed 30 Sep": due "2026-09-30 24:00". From Fri 18 Sep 09:00 that leaves: the
  rest of Fri 18 (15/24 = 0.625), Sun 20 (make-up day, 1), Mon 21-Thu 24 (4), Fri 25 holiday (0), Mon 28-Wed 30 (3)
  = 8.625 -> "剩 8.6 个工作日". (Five more days on the old due would have been the end of Fri 17 Jul: 44.4 late.)

Case B, same start, approved on Fri 18 Sep 09:00 as "7 working days from the approval": Sat 19 no, Sun 20 (1, the
make-up day), Mon 21 (2), Tue 22 (3), Wed 23 (4), Thu 24 (5), Fri 25 holiday, Sat 26 / Sun 27 no, Mon 28 (6),
Tue 29 (7) -> due "2026-09-29 24:00".
"""
import re
from datetime import datetime

from sqlalchemy import event, select

from app.enums import ClockKind, EventKind, ExtensionStatus, Role, TicketState as S
from app.extensions import db
from app.models import Extension, Ticket, TicketClock, TicketEvent, User
from app.supervision.sweep import sweep
from sla.calendar import SHANGHAI


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def _resolution(app, ticket_id):
    with app.app_context():
        c = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == ticket_id,
                                                        TicketClock.kind == ClockKind.RESOLUTION.value,
                                                        TicketClock.stopped_at.is_(None)))
        return c.id, c.due_at


def _late_case(app, factory, clock, secretary, reason="需要第三方检测报告"):
    """A case started Fri 3 Jul 2026 09:00, its extension requested on Fri 18 Sep 09:00 (now)."""
    clock.set(bj(2026, 7, 3, 9))
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    with app.test_request_context():  # replied and signed at once: only the resolution clock runs on
        from app.tickets import services
        t = db.session.get(Ticket, ref.id)
        services.reply_to_enterprise(t, db.session.get(User, secretary.id), "已收到，正在联系检测机构。")
        t = db.session.get(Ticket, ref.id)
        services.sign_assignment(t, db.session.get(User, ref.lead_officer.id), t.version)
    clock.set(bj(2026, 9, 18, 9))
    with app.app_context():
        sweep(clock.now())
    clock_id, _due = _resolution(app, ref.id)
    return ref, clock_id


def _request(app, login, secretary, ref, clock_id, days=5, reason="需要第三方检测报告"):
    sec = login(app.test_client(), secretary)
    response = sec.post(f"/tickets/{ref.id}/extensions", data={"clock_id": clock_id, "days": days, "reason": reason})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    with app.app_context():
        return db.session.scalar(select(Extension.id).where(Extension.ticket_id == ref.id))


def _state(app, ref, ext_id):
    """What a refused decision must leave untouched: the request, the due time, the history."""
    due = _resolution(app, ref.id)[1]
    with app.app_context():
        ext = db.session.get(Extension, ext_id)
        kinds = [e.kind for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ref.id))]
        return ext.status, due, kinds.count(EventKind.EXTENSION_APPROVED.value)


def test_a_late_case_approved_until_a_date_is_no_longer_late(app, factory, clock, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref, clock_id = _late_case(app, factory, clock, secretary)
    assert _resolution(app, ref.id)[1] == bj(2026, 7, 11)  # the end of Fri 10 Jul
    sup = login(app.test_client(), supervisor)
    assert "超期 49.4 个工作日" in sup.get(f"/tickets/{ref.id}").get_data(as_text=True)
    ext_id = _request(app, login, secretary, ref, clock_id, days=5)

    response = sup.post(f"/extensions/{ext_id}/decide", data={
        "decision": "approve", "due_mode": "date", "due_on": "2026-09-30", "note": "同意延至月底"})
    assert response.status_code == 303
    assert _resolution(app, ref.id)[1] == bj(2026, 10, 1)  # the end of Wed 30 Sep
    page = sup.get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert "剩 8.6 个工作日" in page and "超期 4" not in page
    panel = sup.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "2026-09-30 24:00" in panel
    # The deadline explanation names the extension, who approved it and the due time it set.
    assert re.search(r"批准延期.*?2026-09-30 24:00", panel, re.S) and "同意延至月底" in panel
    history = sup.get(f"/tickets/{ref.id}/history").get_data(as_text=True)
    assert "2026-07-10 24:00 → 2026-09-30 24:00" in history
    with app.app_context():
        ext = db.session.get(Extension, ext_id)
        assert ext.status == ExtensionStatus.APPROVED and ext.new_due_on.isoformat() == "2026-09-30"
        level = db.session.get(TicketClock, clock_id).level
        assert level == "ok"  # no longer late: the level drops with the new due time


def test_approving_working_days_from_the_approval_counts_the_calendar(app, factory, clock, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref, clock_id = _late_case(app, factory, clock, secretary)
    ext_id = _request(app, login, secretary, ref, clock_id, days=7)
    sup = login(app.test_client(), supervisor)
    response = sup.post(f"/extensions/{ext_id}/decide", data={"decision": "approve", "due_mode": "days",
                                                               "due_days": "7"})
    assert response.status_code == 303
    assert _resolution(app, ref.id)[1] == bj(2026, 9, 30)  # the end of Tue 29 Sep
    panel = sup.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "2026-09-29 24:00" in panel and "7 个工作日" in panel


def test_bad_decisions_change_nothing(app, factory, clock, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref, clock_id = _late_case(app, factory, clock, secretary)
    ext_id = _request(app, login, secretary, ref, clock_id)
    before = _state(app, ref, ext_id)
    assert before[0] == ExtensionStatus.PENDING and before[2] == 0
    sup = login(app.test_client(), supervisor)
    cases = [
        ({"due_mode": "date", "due_on": "2026-09-17"}, "不能早于今天"),   # yesterday
        ({"due_mode": "date", "due_on": "2027-09-19"}, "不能晚于"),       # more than a year after 2026-09-18
        ({"due_mode": "date", "due_on": "2026-10-01"}, "不是工作日"),     # National Day
        ({"due_mode": "date", "due_on": "2026-13-45"}, "年-月-日"),
        ({"due_mode": "date", "due_on": ""}, "请填写新的到期日期"),
        ({"due_mode": "days", "due_days": "0"}, "1–250"),
        ({"due_mode": "days", "due_days": "251"}, "1–250"),
        ({"due_mode": "days", "due_days": "五"}, "1–250"),
        ({}, "请选择新的到期时间"),
    ]
    for data, message in cases:
        response = sup.post(f"/extensions/{ext_id}/decide", data={"decision": "approve", **data},
                            headers={"HX-Request": "true"})
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), (data, response.get_data(as_text=True)[:2000])
        assert _state(app, ref, ext_id) == before, data


def test_a_new_due_time_must_be_later_than_the_current_one(app, factory, clock, login):
    # A case accepted on Fri 18 Sep 09:00: 5 working days are Sun 20 (make-up), Mon 21 … Thu 24 -> the end of
    # Thu 24 Sep. "Until Tue 22 Sep" would shorten it: refused, nothing changes.
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    clock.set(bj(2026, 9, 18, 9))
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    clock_id, due = _resolution(app, ref.id)
    assert due == bj(2026, 9, 25)
    ext_id = _request(app, login, secretary, ref, clock_id)
    before = _state(app, ref, ext_id)
    sup = login(app.test_client(), supervisor)
    response = sup.post(f"/extensions/{ext_id}/decide", data={"decision": "approve", "due_mode": "date",
                                                               "due_on": "2026-09-22"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "晚于当前到期时间" in response.get_data(as_text=True)
    assert _state(app, ref, ext_id) == before


def test_only_a_supervisor_decides_and_sees_the_pending_list(app, factory, clock, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref, clock_id = _late_case(app, factory, clock, secretary)
    ext_id = _request(app, login, secretary, ref, clock_id)
    before = _state(app, ref, ext_id)
    sec = login(app.test_client(), secretary)
    refused = sec.post(f"/extensions/{ext_id}/decide", data={"decision": "approve", "due_mode": "days",
                                                              "due_days": "5"})
    assert refused.status_code == 403 and _state(app, ref, ext_id) == before
    assert sec.get("/supervision/extensions").status_code == 403
    assert "延期审批" not in sec.get("/workspace").get_data(as_text=True)
    # The supervisor's list: ticket, requester, days asked and why, the current due time and how late it is.
    page = login(app.test_client(), supervisor).get("/supervision/extensions").get_data(as_text=True)
    assert ref.number in page and "测试项目秘书" in page and "需要第三方检测报告" in page
    assert "2026-07-10 24:00" in page and "49.4 个工作日" in page


def test_the_menu_counts_pending_requests_in_one_query(app, factory, clock, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    for _ in range(2):
        ref, clock_id = _late_case(app, factory, clock, secretary)
        _request(app, login, secretary, ref, clock_id)
    sup = login(app.test_client(), supervisor)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        html = sup.get("/workspace").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert re.search(r"延期审批\s*<span[^>]*>2</span>", html)
    touching = [s for s in statements if re.search(r"\bFROM extension\b", s)]
    assert len(touching) == 1 and "count(" in touching[0].lower(), touching
    # Deciding one brings the count down.
    with app.app_context():
        ext_id = db.session.scalar(select(Extension.id).order_by(Extension.id))
    sup.post(f"/extensions/{ext_id}/decide", data={"decision": "reject", "note": "理由不充分"})
    assert re.search(r"延期审批\s*<span[^>]*>1</span>", sup.get("/workspace").get_data(as_text=True))


def test_a_hold_after_the_approval_still_moves_the_new_due_time():
    """The pure engine: a clock started Mon 16 Nov 2026 09:00 (5 working days), approved on Wed 18 Nov 10:00 until
    Fri 27 Nov -> due at the end of Fri 27 Nov. Then on hold from Mon 23 Nov 00:00 to Wed 25 Nov 00:00 (Mon 23 and
    Tue 24: two working days) -> the due time moves two working days: Mon 30 Nov (1), Tue 1 Dec (2) -> the end of
    Tue 1 Dec. A hold before the approval does not: the approver saw it when setting the date."""
    from datetime import date as day
    from sla.calendar import WorkCalendar
    from sla.clocks import ClockInput, Extension as Ext, Target, evaluate
    from sla.worktime import Pause
    approved = Ext(0, "等待检测报告", at=bj(2026, 11, 18, 10), due_on=day(2026, 11, 27))
    base = dict(target=Target("working_days", 5), started_at=bj(2026, 11, 16, 9), extensions=[approved])
    now = bj(2026, 11, 18, 11)
    assert evaluate(ClockInput(**base), now, WorkCalendar()).due_at == bj(2026, 11, 28)
    later_hold = [Pause(bj(2026, 11, 23), bj(2026, 11, 25), "等待企业")]
    assert evaluate(ClockInput(**base, pauses=later_hold), now, WorkCalendar()).due_at == bj(2026, 12, 2)
    earlier_hold = [Pause(bj(2026, 11, 17), bj(2026, 11, 18), "等待企业")]  # Tue 17 Nov, before the approval
    assert evaluate(ClockInput(**base, pauses=earlier_hold), now, WorkCalendar()).due_at == bj(2026, 11, 28)
