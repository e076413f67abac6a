"""Calendar corrections and published months: a published version stays as it was, says how many of its lines
the corrections made since would change, and publishing the month again applies them."""
from sqlalchemy import select

from flask_babel import gettext as _

from app.assessment.facts import facts
from app.assessment.metrics import UNIT_KINDS
from app.assessment.period import Month
from app.deadlines.engine import apply_calendar_due, clocks_waiting_for, settled_months
from app.display import clock_label, due_text
from app.enums import EventKind
from app.extensions import db
from app.journal import record_event
from app.models import AssessmentRun, TicketClock


def record_due_changes(changes, actor, now) -> None:
    """One event per settled clock a calendar correction moved (or whose move waits for a republication)."""
    for change in changes:
        clock = change.clock
        if change.applied:
            body = _("工作日历更正：%(clock)s到期时间由 %(a)s 改为 %(b)s。", clock=clock_label(clock),
                     a=due_text(change.before), b=due_text(change.after))
        elif change.after != change.before:
            body = _("工作日历更正：%(clock)s按更正应于 %(b)s 到期；所在月份的考评已发布，重新发布后生效。",
                     clock=clock_label(clock), b=due_text(change.after))
        else:
            body = _("工作日历更正：%(clock)s的到期时间不再需要更正。", clock=clock_label(clock))
        record_event(clock.ticket, actor, EventKind.SLA_RECOMPUTED, at=now, body=body)


def _lines(month: Month, now, ticket_ids) -> dict:
    """The month's lines for these tickets, keyed by unit, metric and what they count."""
    out = {}
    for kind in UNIT_KINDS:
        f = facts(kind, month, now, ticket_ids=ticket_ids)
        for row in db.session.execute(select(f.c.metric, f.c.unit_id, f.c.ticket_id, f.c.ref_id, f.c.value,
                                             f.c.counted, f.c.reason, f.c.due_at, f.c.done_at)):
            out[(kind, row.metric, row.unit_id, row.ticket_id, row.ref_id)] = tuple(row[4:])
    return out


def changed_lines(month: Month, clocks, now) -> int:
    """How many of the month's lines would differ (changed, added or gone) if these clocks took their corrected
    due times: worked out inside a savepoint that is rolled back."""
    if not clocks:
        return 0
    ticket_ids = {c.ticket_id for c in clocks}
    before = _lines(month, now, ticket_ids)
    savepoint = db.session.begin_nested()
    try:
        for clock in clocks:
            clock.due_at, clock.breached = clock.calendar_due_at, clock.calendar_due_at < clock.stopped_at
        db.session.flush()
        after = _lines(month, now, ticket_ids)
    finally:
        savepoint.rollback()
    return sum(1 for key in set(before) | set(after) if before.get(key) != after.get(key))


def recount_pending_lines(now) -> None:
    """Store on each published month's newest version how many of its lines the held corrections would change."""
    held = db.session.scalars(select(TicketClock).where(TicketClock.calendar_due_at.is_not(None))).all()
    by_month: dict[str, list] = {}
    for clock in held:
        for month in settled_months(clock.due_at, clock.stopped_at) | settled_months(clock.calendar_due_at,
                                                                                      clock.stopped_at):
            by_month.setdefault(month, []).append(clock)
    newest: dict[str, AssessmentRun] = {}
    for run in db.session.scalars(select(AssessmentRun).order_by(AssessmentRun.month, AssessmentRun.version)):
        newest[run.month] = run
    for month, run in newest.items():
        clocks = by_month.get(month, [])
        if clocks or run.pending_lines:
            run.pending_lines = changed_lines(Month.parse(month), clocks, now)


def apply_held_corrections(month: Month, actor, now) -> int:
    """Write the corrected due times held back for this month (it is being published again); returns how many."""
    changes = [apply_calendar_due(clock, now) for clock in clocks_waiting_for(str(month))]
    record_due_changes(changes, actor, now)
    db.session.flush()
    return len(changes)
