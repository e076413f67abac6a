"""Keeps each ticket's clocks in step with its state, and asks the pure engine what they mean.

`reconcile` is called by every workflow verb before it commits: from the ticket's state it derives which
clocks must run, starts the missing ones, stops the ones that no longer apply, pauses them while the ticket
is on hold, and refreshes due times. Level changes are left to the sweep, the one place that records them.
"""
from app.deadlines.calendar import current_calendar
from app.deadlines.levels import withdraw_levels_above
from app.deadlines.policies import policy_for, target_for
from app.enums import CLOCK_NOT_NEEDED, AssignmentStatus, ClockKind, EventKind, ExtensionStatus, SlaLevel, TicketState as S
from app.extensions import db
from app.models import ClockPause, TicketClock
from sla.clocks import ClockInput, Extension as EngineExtension, Target, Thresholds, evaluate
from sla.worktime import Pause

WORKING_STATES = {S.TRIAGE.value, S.PROCESSING.value, S.CONVENED.value, S.ON_HOLD.value}


def wanted_clocks(ticket):
    """(kind, assignment) pairs that should be running for the ticket as it stands."""
    state = ticket.state
    wanted = []
    if state == S.INTAKE.value:
        wanted.append((ClockKind.ACKNOWLEDGE, None))
    if state in WORKING_STATES:
        wanted.append((ClockKind.RESOLUTION, None))
        if ticket.first_replied_at is None:
            wanted.append((ClockKind.FIRST_REPLY, None))
        wanted += [(ClockKind.SIGN_OFF, a) for a in ticket.assignments if a.status == AssignmentStatus.PENDING.value]
    if state == S.RESOLVED.value:
        wanted.append((ClockKind.FOLLOW_UP, None))
    if state not in (S.CLOSED.value, S.REJECTED.value):
        wanted += [(ClockKind.ACTION_ITEM, item) for item in ticket.open_action_items]
    return wanted


def _key(clock):
    if clock.kind == ClockKind.SIGN_OFF.value:
        return clock.kind, clock.assignment
    if clock.kind == ClockKind.ACTION_ITEM.value:
        return clock.kind, clock.action_item
    return clock.kind, None


def start_clock(ticket, kind: ClockKind, now, subject=None) -> TicketClock:
    """Start a clock with a snapshot of the policy's targets (later policy edits do not move it); a sign-off
    clock belongs to an assignment, an action-item clock to its item and its own number of working days."""
    policy = policy_for(ticket.category_id, ticket.urgency)
    assignment = subject if kind is ClockKind.SIGN_OFF else None
    action_item = subject if kind is ClockKind.ACTION_ITEM else None
    if action_item is not None:
        target = Target("working_days", action_item.working_days)
    else:
        target = target_for(policy, kind, convened=ticket.state == S.CONVENED.value)
    convened = kind is ClockKind.RESOLUTION and ticket.state == S.CONVENED.value
    clock = TicketClock(ticket=ticket, kind=kind.value, assignment=assignment, action_item=action_item,
                        convened=convened, policy_id=policy.id,
                        unit=target.unit, amount=int(target.amount), warning_percent=policy.warning_percent,
                        supervise_after_wd=policy.supervise_after_wd, escalate_after_wd=policy.escalate_after_wd,
                        started_at=now, level=SlaLevel.OK.value)
    db.session.add(clock)
    return clock


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
    closed, or the part withdrawn) ends "no longer needed": the department gave no answer, on time or late."""
    if clock.kind == ClockKind.SIGN_OFF.value and clock.assignment is not None and clock.assignment.status in (
            AssignmentStatus.PENDING.value, AssignmentStatus.WITHDRAWN.value):
        clock.outcome = CLOCK_NOT_NEEDED


def clock_input(clock) -> ClockInput:
    """The engine's view of a stored clock."""
    return ClockInput(
        target=Target(clock.unit, clock.amount), started_at=clock.started_at, stopped_at=clock.stopped_at,
        pauses=[Pause(p.started_at, p.ended_at, p.reason) for p in clock.pauses],
        extensions=[engine_extension(e) for e in clock.extensions if e.status == ExtensionStatus.APPROVED],
        thresholds=Thresholds(clock.warning_percent / 100, clock.supervise_after_wd, clock.escalate_after_wd))


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

