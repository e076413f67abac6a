"""One "now" per unit of work: a verb or a sweep reads the clock once and stamps everything it writes with that
moment, so an event, the ticket's timestamps and the notifications it queues never disagree. The clock here
ticks one second every time it is read: any second reading inside a unit of work shows as a different time."""
from datetime import timedelta

from sqlalchemy import select

from app.enums import EventKind, Role, TicketState as S
from app.extensions import db
from app.models import Notification, Ticket, TicketEvent, User


class TickingClock:
    """A clock that moves one second forward each time it is read."""

    def __init__(self, frozen):
        self.frozen = frozen

    def now(self):
        """The frozen time, then one second later at every call."""
        return self.frozen.advance(seconds=1)


def test_a_verb_stamps_its_event_and_timestamps_with_one_moment(app, factory, clock):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.INTAKE, secretary=secretary)
    app.extensions["jj_clock"] = TickingClock(clock)
    with app.test_request_context():
        from app.tickets import services
        ticket = db.session.get(Ticket, ref.id)
        services.accept_ticket(ticket, db.session.get(User, secretary.id), ticket.version)
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ref.id,
                                                            TicketEvent.kind == EventKind.ACCEPTED.value))
        ticket = db.session.get(Ticket, ref.id)
        assert event.at == ticket.accepted_at == ticket.updated_at


def test_a_sweep_stamps_an_event_and_its_notification_with_one_moment(app, factory, clock):
    factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE)
    clock.advance(days=10)  # long past the first reply's deadline
    app.extensions["jj_clock"] = TickingClock(clock)
    with app.app_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
        events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ref.id,
                                                              TicketEvent.kind == EventKind.SLA_LEVEL.value)).all()
        # The sweep's messages (the enterprise heard of its acceptance earlier, at its own moment).
        notes = db.session.scalars(select(Notification).where(Notification.ticket_id == ref.id,
                                                              Notification.enterprise_id.is_(None))).all()
        assert events and notes
        moments = {e.at for e in events} | {n.created_at for n in notes}
        assert len(moments) == 1, sorted(moments)
        assert clock.now() - min(moments) < timedelta(seconds=5)
