"""Keeps each ticket's clocks in step with its state, and asks the pure engine what they mean.

`reconcile` is called by every workflow verb before it commits: from the ticket's state it derives which
clocks must run, starts the missing ones, stops the ones that no longer apply, pauses them while the ticket
is on hold, and refreshes due times. Level changes are left to the sweep, the one place that records them.

`recalendar` follows a calendar correction: it refreshes the running clocks and re-settles the stopped ones whose
months are not published; a stopped clock of a published month keeps its due time and only notes the corrected one
(`calendar_due_at`), which `apply_calendar_due` writes when that month is published again.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.deadlines.calendar import current_calendar
from app.deadlines.levels import withdraw_levels_above
from app.deadlines.policies import policy_for, target_for
from app.enums import (CLOCK_NOT_NEEDED, AssignmentStatus, Channel, ClockKind, EventKind, ExtensionStatus, SlaLevel,
                       TicketState as S)
from app.extensions import db
from app.models import AssessmentRun, ClockPause, Ticket, TicketClock
from sla.calendar import SHANGHAI
from sla.clocks import ClockInput, Extension as EngineExtension, Target, Thresholds, evaluate
from sla.worktime import Pause

WORKING_STATES = {S.TRIAGE.value, S.PROCESSING.value, S.CONVENED.value, S.ON_HOLD.value}


def wanted_clocks(ticket):
    """(kind, assignment) pairs that should be running for the ticket as it stands."""
    state = ticket.state
    wanted = []
    if state == S.MERGED.value:
        return wanted  # a duplicate merged into another case waits for nothing: the kept case carries the work
    if state == S.INTAKE.value:
        wanted.append((ClockKind.ACKNOWLEDGE, None))
    if state in WORKING_STATES:
        wanted.append((ClockKind.RESOLUTION, None))
        if ticket.first_replied_at is None:
            wanted.append((ClockKind.FIRST_REPLY, None))
        wanted += [(ClockKind.SIGN_OFF, a) for a in ticket.assignments if a.status == AssignmentStatus.PENDING.value]
    if state == S.RESOLVED.value:
        wanted.append((ClockKind.FOLLOW_UP, None))
    if state not in (S.CLOSED.value, S.REJECTED.value, S.RETURNED.value):
        wanted += [(ClockKind.ACTION_ITEM, item) for item in ticket.open_action_items]
    # A 差评's remediation runs until its return visit, whatever the case does meanwhile (closed included).
    wanted += [(ClockKind.REMEDIATION, r) for r in ticket.open_remediations]
    return wanted


def _key(clock):
    if clock.kind == ClockKind.SIGN_OFF.value:
        return clock.kind, clock.assignment
    if clock.kind == ClockKind.ACTION_ITEM.value:
        return clock.kind, clock.action_item
    if clock.kind == ClockKind.REMEDIATION.value:
        return clock.kind, clock.remediation
    return clock.kind, None


def start_clock(ticket, kind: ClockKind, now, subject=None) -> TicketClock:
    """Start a clock with a snapshot of the policy's targets (later policy edits do not move it); a sign-off
    clock belongs to an assignment, an action-item clock to its item and its own number of working days, a
    remediation clock to its remediation."""
    policy = policy_for(ticket.category_id, ticket.urgency)
    assignment = subject if kind is ClockKind.SIGN_OFF else None
    action_item = subject if kind is ClockKind.ACTION_ITEM else None
    remediation = subject if kind is ClockKind.REMEDIATION else None
    if action_item is not None:
        target = Target("working_days", action_item.working_days)
    else:
        target = target_for(policy, kind, convened=ticket.state == S.CONVENED.value)
    convened = kind is ClockKind.RESOLUTION and ticket.state == S.CONVENED.value
    limit_at = outside_limit(ticket) if kind is ClockKind.RESOLUTION else None
    clock = TicketClock(ticket=ticket, kind=kind.value, assignment=assignment, action_item=action_item,
                        remediation=remediation, convened=convened, policy_id=policy.id, limit_at=limit_at,
                        unit=target.unit, amount=int(target.amount), warning_percent=policy.warning_percent,
                        supervise_after_wd=policy.supervise_after_wd, escalate_after_wd=policy.escalate_after_wd,
                        started_at=now, level=SlaLevel.OK.value, pauses=[], extensions=[])
    db.session.add(clock)
    return clock


def outside_limit(ticket):
    """The 12345 platform's time limit of a case that came as a work order, else None (other channels never
    read the order table)."""
    if ticket.channel != Channel.HOTLINE.value or ticket.hotline_order is None:
        return None
    return ticket.hotline_order.limit_at


def set_outside_limit(ticket, limit_at, now) -> None:
    """A changed 12345 order's new time limit applies to the case's running resolution clock at once."""
    for clock in ticket.clocks:
        if clock.running and clock.kind == ClockKind.RESOLUTION.value and clock.limit_at != limit_at:
            clock.limit_at = limit_at
            refresh(clock, now)
    sync_ticket(ticket)


def start_clocks_at(ticket, started_at) -> None:
    """Start the clocks a new case needs from the moment it was received (a call answered, a 12345 order sent),
    when that is earlier than the moment it is recorded; `reconcile` then judges them at the real now."""
    running = {_key(c) for c in ticket.clocks if c.running}
    for kind, subject in wanted_clocks(ticket):
        if (kind.value, subject) not in running:
            start_clock(ticket, kind, started_at, subject)


def apply_convened_budget(ticket, clock) -> None:
    """A convened case's resolution clock runs on the convened budget, counted from the clock's original start
    (never shortened: a budget already larger stays)."""
    target = target_for(policy_for(ticket.category_id, ticket.urgency), ClockKind.RESOLUTION, convened=True)
    clock.convened = True
    clock.amount = max(int(clock.amount), int(target.amount))


def reconcile(ticket, now) -> None:
    """Bring the ticket's clocks in line with its state, then refresh their due times and the ticket's."""
    running = [c for c in ticket.clocks if c.running]
    wanted = wanted_clocks(ticket)
    wanted_keys = {(k.value, a) for k, a in wanted}
    for clock in running:
        if _key(clock) not in wanted_keys:
            stop_clock(clock, now)
            mark_not_needed(clock)
    running_keys = {_key(c) for c in ticket.clocks if c.running}
    for kind, subject in wanted:
        if (kind.value, subject) not in running_keys:
            start_clock(ticket, kind, now, subject)
    if ticket.state == S.CONVENED.value:
        for clock in ticket.clocks:
            if clock.running and clock.kind == ClockKind.RESOLUTION.value and not clock.convened:
                apply_convened_budget(ticket, clock)
    on_hold = ticket.state == S.ON_HOLD.value
    for clock in ticket.clocks:
        if not clock.running:
            continue
        pause = clock.open_pause
        if on_hold and pause is None:
            db.session.add(ClockPause(clock=clock, started_at=now, reason=_hold_reason(ticket)))
        elif not on_hold and pause is not None:
            pause.ended_at = now
        refresh(clock, now)
    sync_ticket(ticket)


def _hold_reason(ticket):
    held = next((e for e in reversed(ticket.events) if e.kind == EventKind.HELD), None)
    return (held.body if held else "")[:200]


def stop_clock(clock, now) -> None:
    """Stop a clock (its stage is over) and close any open pause."""
    clock.stopped_at = now
    if clock.open_pause is not None:
        clock.open_pause.ended_at = now
    refresh(clock, now)


def engine_extension(ext) -> EngineExtension:
    """The engine's view of an approved extension: the due time it set (a date, or working days from the
    approval), or for one approved before that, the working days it added."""
    if ext.new_due_on is not None or ext.new_due_days is not None:
        return EngineExtension(ext.new_due_days or 0, ext.reason, at=ext.decided_at, due_on=ext.new_due_on,
                               from_approval=ext.new_due_days is not None)
    return EngineExtension(ext.days, ext.reason)


def mark_not_needed(clock) -> None:
    """A sign-off clock that stops while its department has neither signed nor returned (the case was resolved or
    closed, or the part withdrawn) ends "no longer needed": the department gave no answer, on time or late. So
    does every clock of a case returned to the 12345 platform (退单): it was never the centre's to meet."""
    if clock.ticket is not None and clock.ticket.state == S.RETURNED.value:
        clock.outcome = CLOCK_NOT_NEEDED
        return
    if clock.kind == ClockKind.SIGN_OFF.value and clock.assignment is not None and clock.assignment.status in (
            AssignmentStatus.PENDING.value, AssignmentStatus.WITHDRAWN.value):
        clock.outcome = CLOCK_NOT_NEEDED


def clock_input(clock) -> ClockInput:
    """The engine's view of a stored clock."""
    return ClockInput(
        target=Target(clock.unit, clock.amount), started_at=clock.started_at, stopped_at=clock.stopped_at,
        pauses=[Pause(p.started_at, p.ended_at, p.reason) for p in clock.pauses],
        extensions=[engine_extension(e) for e in clock.extensions if e.status == ExtensionStatus.APPROVED],
        thresholds=Thresholds(clock.warning_percent / 100, clock.supervise_after_wd, clock.escalate_after_wd),
        limit_at=clock.limit_at)


def status_of(clock, now, explain=False):
    """What the clock means now, by the pure engine."""
    return evaluate(clock_input(clock), now, current_calendar(), explain=explain)


def refresh(clock, now):
    """Recompute due time and next check. A level can drop here (after an extension): what it drops from is
    withdrawn. It only rises in the sweep, which records it once and notifies, so a rise just brings the next
    check forward to now."""
    status = status_of(clock, now)
    previous_due = clock.due_at
    clock.due_at = status.due_at
    clock.breached = status.breached
    stored = SlaLevel(clock.level).level
    if status.level < stored:
        clock.level = SlaLevel.of(status.level)
        withdraw_levels_above(clock, status.level, previous_due, now)
    if status.level > stored:
        clock.next_check_at = now
    else:
        clock.next_check_at = status.next_check_at
    return status


def sync_ticket(ticket) -> None:
    """The ticket's nearest running deadline and worst current level, for lists and queues."""
    running = [c for c in ticket.clocks if c.running]
    dues = [(c.due_at, c.unit) for c in running if c.due_at is not None and c.open_pause is None]
    ticket.due_at, ticket.due_unit = min(dues, key=lambda d: d[0]) if dues else (None, None)
    ranks = [SlaLevel(c.level).level for c in running]
    ticket.sla_level = SlaLevel.of(max(ranks)) if ranks else SlaLevel.OK



# ---- calendar corrections ------------------------------------------------------------------------------------

@dataclass
class DueChange:
    """A settled clock whose due time a calendar correction moved: applied, or held for a published month."""

    clock: TicketClock
    before: datetime | None
    after: datetime | None
    applied: bool


def month_of(moment) -> str:
    """The Shanghai month ("YYYY-MM") a moment falls in."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m")


def settled_months(due_at, stopped_at) -> set[str]:
    """The months a settled clock's lines fall in: the month its outcome was settled (its stop if on time, its
    due time if late) and the month it fell due."""
    decided = stopped_at if stopped_at <= due_at else due_at
    return {month_of(decided), month_of(due_at)}


def published_months() -> set[str]:
    """Months with at least one published version."""
    return set(db.session.scalars(select(AssessmentRun.month).distinct()))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def recalendar(now, first_day: date | None = None, last_day: date | None = None):
    """After the calendar changed on days first_day..last_day (None: anywhere): refresh every running clock that
    started by then, and re-settle every stopped clock whose span reaches those days. Returns (tickets whose
    running clocks were refreshed, [DueChange] of stopped clocks)."""
    load = (selectinload(TicketClock.pauses), selectinload(TicketClock.extensions),
            selectinload(TicketClock.ticket).selectinload(Ticket.clocks))
    started_by = _local_midnight(last_day + timedelta(days=1)) if last_day else None
    query = select(TicketClock).where(TicketClock.stopped_at.is_(None)).options(*load)
    if started_by is not None:
        query = query.where(TicketClock.started_at < started_by)
    touched = set()
    for clock in db.session.scalars(query):
        refresh(clock, now)
        touched.add(clock.ticket)
    for ticket in touched:
        sync_ticket(ticket)

    # A day after a clock's due time (and after any corrected one) cannot move it.
    query = select(TicketClock).where(TicketClock.stopped_at.is_not(None), TicketClock.due_at.is_not(None)).options(*load)
    if started_by is not None:
        query = query.where(TicketClock.started_at < started_by)
    if first_day is not None:
        since = _local_midnight(first_day)
        query = query.where(or_(TicketClock.due_at >= since, TicketClock.calendar_due_at >= since))
    published = published_months()
    changes = []
    for clock in db.session.scalars(query.order_by(TicketClock.id)):
        change = resettle(clock, now, published)
        if change is not None:
            changes.append(change)
    return touched, changes


def resettle(clock, now, published: set[str]) -> DueChange | None:
    """Recompute a stopped clock's due time by today's calendar: written when none of its months is published,
    otherwise noted as its corrected due time (NULL again once the calendar agrees with the stored one)."""
    status = status_of(clock, now)
    if status.due_at is None:
        return None
    if status.due_at == clock.due_at:
        if clock.calendar_due_at is not None:
            clock.calendar_due_at = None
            return DueChange(clock, clock.due_at, clock.due_at, False)
        return None
    months = settled_months(clock.due_at, clock.stopped_at) | settled_months(status.due_at, clock.stopped_at)
    if months & published:
        if clock.calendar_due_at == status.due_at:
            return None
        clock.calendar_due_at = status.due_at
        return DueChange(clock, clock.due_at, status.due_at, False)
    before = clock.due_at
    _settle(clock, status)
    return DueChange(clock, before, status.due_at, True)


def _settle(clock, status) -> None:
    clock.due_at, clock.breached, clock.calendar_due_at = status.due_at, status.breached, None
    if status.level < SlaLevel(clock.level).level:
        clock.level = SlaLevel.of(status.level)  # a breach the correction withdrew; a new one is not a level event


def clocks_waiting_for(month: str) -> list:
    """Stopped clocks with a corrected due time held back because `month` (among others) is published."""
    rows = db.session.scalars(select(TicketClock).where(TicketClock.calendar_due_at.is_not(None))
                              .options(selectinload(TicketClock.pauses), selectinload(TicketClock.extensions),
                                       selectinload(TicketClock.ticket))).all()
    return [c for c in rows if month in settled_months(c.due_at, c.stopped_at) |
            settled_months(c.calendar_due_at, c.stopped_at)]


def apply_calendar_due(clock, now) -> DueChange:
    """Write a held corrected due time (its month is being published again)."""
    before = clock.due_at
    status = status_of(clock, now)
    _settle(clock, status)
    return DueChange(clock, before, status.due_at, True)


def explained_status(clock, now):
    """What the ticket page shows for a clock: the engine's explanation, with a stopped clock's stored due time and
    outcome (the ones the monthly figures use, frozen while its month is published)."""
    status = status_of(clock, now, explain=True)
    if not clock.running and clock.due_at is not None:
        status.due_at, status.breached = clock.due_at, clock.breached
    return status
