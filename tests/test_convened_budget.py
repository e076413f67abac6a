"""A convened case's resolution clock takes the convened budget (issue 12, item 1), worked out by hand.

Rule (README, "Deadlines"): resolution 5 working days, 25 when convened; "N working days" ends at the end of the
N-th working day after the day the clock started (day 0 not counted). Once a case is convened its resolution
clock takes the convened budget counted from the clock's original start, keeps it after the plan is decided,
and keeps it when an admin recomputes with the current policies.

The case is accepted on Monday 16 November 2026, 09:00 Beijing: its resolution clock starts then.
- 5 working days after Mon 16 Nov: Tue 17, Wed 18, Thu 19, Fri 20, Mon 23 -> due at the end of Mon 23 Nov,
  i.e. 2026-11-24 00:00 Beijing = 2026-11-23 16:00 UTC.
- 25 working days after Mon 16 Nov (no public holiday in Nov-Dec 2026): Nov 17-20 (4), Nov 23-27 (9),
  Nov 30-Dec 4 (14), Dec 7-11 (19), Dec 14-18 (24), Mon Dec 21 (25) -> due at the end of Mon 21 Dec,
  i.e. 2026-12-22 00:00 Beijing = 2026-12-21 16:00 UTC.
"""
from datetime import datetime, timezone

from sqlalchemy import select

from app.enums import ClockKind, EventKind, Role, TicketState as S
from app.extensions import db
from app.models import Meeting, Ticket, TicketClock, TicketEvent, User

FIVE_DAYS_DUE = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
CONVENED_DUE = datetime(2026, 12, 21, 16, 0, tzinfo=timezone.utc)


def _resolution_clock(ticket_id):
    return db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == ticket_id,
                                                       TicketClock.kind == ClockKind.RESOLUTION.value,
                                                       TicketClock.stopped_at.is_(None)))


def test_convening_a_case_in_processing_gives_its_clock_the_convened_budget(app, factory, clock, login):
    secretary, admin = factory.user(Role.SECRETARY), factory.user(Role.ADMIN)
    ref = factory.ticket(S.PROCESSING, secretary=secretary)  # accepted and dispatched on Mon 16 Nov, 09:00
    with app.app_context():
        assert _resolution_clock(ref.id).due_at == FIVE_DAYS_DUE
    clock.advance(days=2)  # Wednesday 18 November: the case goes to a meeting
    with app.test_request_context():
        from app.meetings import services as meetings
        meetings.convene_meeting(db.session.get(User, secretary.id), [db.session.get(Ticket, ref.id)],
                                 subject="用电增容会办", starts_at=datetime(2026, 11, 19, 6, tzinfo=timezone.utc),
                                 place="三楼会议室", agenda="", lead_department_id=ref.lead_department_id)
        running = _resolution_clock(ref.id)
        assert (running.amount, running.due_at) == (25, CONVENED_DUE)
        assert running.started_at == datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc)  # the original start
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ref.id,
                                                            TicketEvent.kind == EventKind.SLA_RECOMPUTED.value))
        assert event is not None and "25 个工作日" in event.body
    # The deadline panel says why.
    page = login(app.test_client(), secretary).get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "会办标准" in page and "2026-12-21 24:00" in page
    # Thursday 14:00, the meeting's time: it decides the plan; back to processing, the budget stays.
    clock.advance(days=1, hours=5)
    with app.test_request_context():
        meeting = db.session.scalar(select(Meeting))
        actor = db.session.get(User, secretary.id)
        meetings.record_minutes(actor, meeting, "纪要", "由住建局牵头办理")
        meetings.decide_plan(actor, meeting)
        assert db.session.get(Ticket, ref.id).state == S.PROCESSING
        assert _resolution_clock(ref.id).due_at == CONVENED_DUE
    # An admin recomputes with the current policies: still the convened budget.
    assert login(app.test_client(), admin).post("/admin/policies/recompute").status_code == 303
    with app.app_context():
        assert (_resolution_clock(ref.id).amount, _resolution_clock(ref.id).due_at) == (25, CONVENED_DUE)
