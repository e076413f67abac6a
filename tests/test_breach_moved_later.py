"""A breach that an extension moves later is withdrawn, stays in the history marked as withdrawn, and the real
breach under the new due time is recorded and announced exactly once (issue 12 item 3).

Hand-worked: the ticket is submitted and accepted Mon 2026-11-16 09:00 (no holiday in late November 2026), so
its resolution clock has 5 working days: the rest of the 16th (15 h) + 5 × 24 h = 135 counted hours, due at
the end of Mon 11-23 (2026-11-24 00:00, written "2026-11-23 24:00"). Warning at 75 % = 101.25 h: 16th 15 h,
17th–19th 72 h (87 h), then 14.25 h into Fri 11-20 -> 11-20 14:15.
"""
from datetime import datetime

from sqlalchemy import select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import ClockLevelChange, Extension, Notification, Ticket, TicketClock, TicketEvent, User
from app.supervision.sweep import sweep
from app.tickets import services as ts
from sla.calendar import SHANGHAI


def bj(m, d, hh=0, mm=0):
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


def resolution_clock(app, ticket_id):
    with app.app_context():
        c = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == ticket_id,
                                                        TicketClock.kind == "resolution"))
        return c.id, c.due_at, c.level


def records(app, clock_id):
    """(level, due time, withdrawn?) of every level change of the clock, oldest first."""
    with app.app_context():
        return [(r.level, r.due_at, r.withdrawn_at is not None) for r in db.session.scalars(
            select(ClockLevelChange).where(ClockLevelChange.clock_id == clock_id).order_by(ClockLevelChange.id))]


def overdue_news(app, ticket_id, user_id):
    """In-app "已超期" messages about the resolution clock for one person, and the matching history events."""
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(
            Notification.ticket_id == ticket_id, Notification.user_id == user_id, Notification.channel == "in_app",
            Notification.kind == "overdue")).all()
        events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                              TicketEvent.kind == "sla_level")).all()
        return ([n for n in notes if "办结时限" in n.body],
                [e for e in events if e.details.get("clock") == "办结时限" and e.details.get("level") == "已超期"])


def run_sweep(app, clock):
    with app.app_context():
        return sweep(clock.now())


def test_a_breach_moved_later_is_withdrawn_and_the_real_one_announced_once(app, factory, clock, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    with app.test_request_context():  # answered at once: the resolution clock is the only one left running
        ts.reply_to_enterprise(db.session.get(Ticket, ref.id), db.session.get(User, secretary.id), "已收到，正在办理")
    clock_id, due, _level = resolution_clock(app, ref.id)
    assert due == bj(11, 24)

    # T1 passes: the sweep on 11-24 01:00 records the warning and the breach, both under due 11-24 00:00.
    clock.set(bj(11, 24, 1))
    assert run_sweep(app, clock)["recorded"] == 2
    assert records(app, clock_id) == [("warning", bj(11, 24), False), ("overdue", bj(11, 24), False)]
    notes, events = overdue_news(app, ref.id, secretary.id)
    assert len(notes) == 1 and len(events) == 1  # overdue tells the owner, the secretary: one message

    # 11-24 10:00: the supervisor approves a new due time, the end of Thu 11-26 (11-27 00:00): budget 135 + 72 =
    # 207 h. Used by then: 111 h by the end of Fri 11-20, weekend not counted, Mon 11-23 -> 135 h, 10 h of Tue
    # 11-24 -> 145 h; the extension grants 62 h, and the warning comes at 75 % of them (README, "Extensions"):
    # 145 + 46.5 = 191.5 h -> 159 h at the end of Tue 11-24, 183 h at the end of Wed 11-25, then 8.5 h into
    # Thu 11-26 -> 11-26 08:30. At 10:00 neither is reached: the level drops to 正常.
    clock.set(bj(11, 24, 10))
    sec = login(app.test_client(), secretary)
    sec.post(f"/tickets/{ref.id}/extensions", data={"clock_id": clock_id, "days": "3", "reason": "等待第三方检测"})
    with app.app_context():
        ext_id = db.session.scalar(select(Extension.id))
    sup = login(app.test_client(), supervisor)
    assert sup.post(f"/extensions/{ext_id}/decide", data={"decision": "approve", "due_mode": "date",
                                                           "due_on": "2026-11-26"}).status_code in (200, 303)
    _id, due, level = resolution_clock(app, ref.id)
    assert (due, level) == (bj(11, 27), "ok")
    # Both level changes of T1 stay, marked withdrawn; nothing new is announced.
    assert records(app, clock_id) == [("warning", bj(11, 24), True), ("overdue", bj(11, 24), True)]
    history = sec.get(f"/tickets/{ref.id}/history").get_data(as_text=True)
    assert "已撤销：截止时间已延后" in history
    assert "2026-11-23 24:00 → 2026-11-26 24:00" in history
    panel = sec.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "已撤销" in panel and "2026-11-23 24:00" in panel
    assert len(overdue_news(app, ref.id, secretary.id)[0]) == 1

    # The sweep right after changes nothing: the new thresholds have not come.
    assert run_sweep(app, clock)["recorded"] == 0

    # T2 passes: on 11-27 01:00 the sweep records the warning (11-26 08:30) and the breach (11-27 00:00) under
    # the new due time; supervision (2 working days after: Fri 27th, Mon 30th -> 12-01 00:00) is not reached.
    clock.set(bj(11, 27, 1))
    assert run_sweep(app, clock)["recorded"] == 2
    assert records(app, clock_id) == [("warning", bj(11, 24), True), ("overdue", bj(11, 24), True),
                                      ("warning", bj(11, 27), False), ("overdue", bj(11, 27), False)]
    with app.app_context():
        live = db.session.scalars(select(ClockLevelChange).where(ClockLevelChange.clock_id == clock_id,
                                                                 ClockLevelChange.withdrawn_at.is_(None))).all()
        assert {(r.level, r.at) for r in live} == {("warning", bj(11, 26, 8, 30)), ("overdue", bj(11, 27))}
    notes, events = overdue_news(app, ref.id, secretary.id)
    assert len(notes) == 2 and len(events) == 2  # T1's (withdrawn) and T2's, once each
    assert "2026-11-26 24:00" in notes[-1].body
    _id, _due, level = resolution_clock(app, ref.id)
    assert level == "overdue"

    # A second sweep tells nobody anything.
    assert run_sweep(app, clock)["recorded"] == 0
    notes, events = overdue_news(app, ref.id, secretary.id)
    assert len(notes) == 2 and len(events) == 2
    history = sec.get(f"/tickets/{ref.id}/history").get_data(as_text=True)
    assert history.count("已撤销：截止时间已延后") == 1
