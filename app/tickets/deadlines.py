"""The deadline of the stage a ticket is in, counted on the Chinese working-day calendar."""
from datetime import timedelta
from functools import lru_cache

from app.enums import TicketState as S, Urgency
from sla.calendar import WorkCalendar

ACKNOWLEDGE_HOURS = 24
TRIAGE_WORKING_DAYS = 1
RESOLUTION_WORKING_DAYS = {Urgency.NORMAL.value: 5, Urgency.URGENT.value: 3}
FOLLOW_UP_WORKING_DAYS = 3


@lru_cache(maxsize=1)
def work_calendar() -> WorkCalendar:
    """The shared working-day calendar."""
    return WorkCalendar()


def stage_due(ticket, now):
    """When the current stage of `ticket` must be finished, or None when nothing is running."""
    cal = work_calendar()
    state = S(ticket.state)
    if state is S.INTAKE:
        return ticket.created_at + timedelta(hours=ACKNOWLEDGE_HOURS)
    if state is S.TRIAGE:
        return cal.working_days_deadline(ticket.accepted_at or now, TRIAGE_WORKING_DAYS)
    if state in (S.PROCESSING, S.CONVENED):
        return cal.working_days_deadline(ticket.dispatched_at or now,
                                         RESOLUTION_WORKING_DAYS.get(ticket.urgency, 5))
    if state is S.RESOLVED:
        return cal.working_days_deadline(ticket.resolved_at or now, FOLLOW_UP_WORKING_DAYS)
    return None
