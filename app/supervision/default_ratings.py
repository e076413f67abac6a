"""默认评价, run with every SLA sweep: a case resolved and not rated within the rating window (N natural days, an
admin setting) is rated 基本满意 by default and closed.

Idempotent: only cases still waiting for the enterprise's rating (state 已办结) are picked, and the default closes
them, so a second sweep finds nothing; the partial unique index on (ticket, default) is the second guard. Each batch
is one transaction under the sweep's lock. A case the enterprise rates at the same moment keeps the enterprise's
rating: the sweep's write meets the ticket's version check, its batch is rolled back, and the next sweep no longer
finds the case.
"""
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.deadlines.policies import rating_window_days, unrated_before
from app.enums import TicketState as S
from app.errors import EditConflict
from app.extensions import db
from app.models import Ticket, TicketClock
from app.supervision.sweep import take_lock
from app.tickets.services import rate_by_default

log = logging.getLogger(__name__)


def due_for_default(now, days, limit):
    """Resolved cases whose rating window has ended by `now`, oldest resolution first."""
    query = (select(Ticket).where(Ticket.state == S.RESOLVED.value, Ticket.resolved_at < unrated_before(now, days))
             .order_by(Ticket.resolved_at, Ticket.id).limit(limit)
             .options(selectinload(Ticket.clocks).selectinload(TicketClock.pauses),
                      selectinload(Ticket.clocks).selectinload(TicketClock.extensions),
                      selectinload(Ticket.assignments), selectinload(Ticket.remediations)))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=Ticket, skip_locked=True)
    return db.session.scalars(query).all()


def give_default_ratings(now, batch_size: int | None = None) -> int:
    """Rate by default every case whose rating window has ended; returns how many were rated."""
    batch_size = batch_size or current_app.config["SWEEP_BATCH_SIZE"]
    days = rating_window_days()
    rated = 0
    while True:
        if not take_lock():
            db.session.rollback()
            return rated
        tickets = due_for_default(now, days, batch_size)
        try:
            for ticket in tickets:
                rate_by_default(ticket, now, days)
            db.session.commit()
        except (StaleDataError, IntegrityError, EditConflict) as exc:
            # Someone rated or changed one of these cases meanwhile: nothing of this batch is kept; the next
            # sweep picks up whatever still waits.
            db.session.rollback()
            log.warning("default ratings: batch rolled back (%s)", type(exc).__name__)
            return rated
        rated += len(tickets)
        if len(tickets) < batch_size:
            return rated
