"""SLA verbs: urge and supervise late cases, request and decide extensions, correct the calendar, change
policies and recompute deadlines. Each checks who may act, writes, records an event and commits."""
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.audit import record_change, snapshot
from app.timesource import utcnow
from app.supervision import notify
from app.deadlines.calendar import current_calendar, forget_calendar
from app.assessment.drafts import drop_drafts
from app.assessment.corrections import record_due_changes, recount_pending_lines
from app.deadlines.engine import recalendar, reconcile
from app.deadlines.policies import policy_for, rating_policy, target_for, thresholds_of
from app.enums import ClockKind, EventKind, ExtensionStatus, OPEN_STATES, Role
from app.errors import NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.text import clean_text
from app.models import (Assignment, CalendarOverride, DutyShift, Extension, RatingPolicy, SlaPolicy, Ticket,
                        TicketClock, User)
from app.tickets import access
from app.display import due_text, system_text
from app.journal import commit, record_event
from app.messaging import tell
from sla.calendar import SHANGHAI

MAX_EXTENSION_DAYS = 30
MAX_NEW_DUE_DAYS = 250  # an approval sets at most about a year of working days from the approval
MAX_NEW_DUE_AHEAD_DAYS = 365


def _require_supervisor(actor):
    if not actor.has_role(Role.SUPERVISOR):
        raise NotAllowed(_("只有督办人员可以执行此操作。"))


def _require_open(ticket):
    # A case with a remediation running still owes the enterprise its return visit.
    if ticket.state not in OPEN_STATES and not ticket.open_remediations:
        raise TransitionRefused(_("诉求已办结或关闭，无需催办或督办。"))


def urge_ticket(ticket, actor, note=""):
    """催办: remind the people holding a late case; recorded and notified."""
    _require_supervisor(actor)
    _require_open(ticket)
    note = clean_text(note, _("催办意见"), 1000, required=False)
    now = utcnow()
    body = note or _("请加快办理，并及时反馈进展。")
    record_event(ticket, actor, EventKind.URGED, at=now, body=body)
    notify.queue(notify.people_on(ticket), kind="urge", title=f"【催办】{ticket.number} {ticket.title}"[:200],
                 body=body, ticket=ticket, now=now)
    commit()


def supervise_ticket(ticket, actor, note):
    """督办: put a case under the supervisor's watch, once; the reason is required."""
    _require_supervisor(actor)
    _require_open(ticket)
    if ticket.supervised_at is not None:
        raise TransitionRefused(_("该诉求已列为督办件。"))
    note = clean_text(note, _("督办意见"), 1000)
    now = utcnow()
    ticket.supervised_at = now
    record_event(ticket, actor, EventKind.SUPERVISED, at=now, body=note)
    notify.queue(notify.people_on(ticket), kind="supervise", title=f"【督办】{ticket.number} {ticket.title}"[:200],
                 body=note, ticket=ticket, now=now, webhook=True)
    commit()


def request_extension(ticket, actor, clock_id, days, reason):
    """申请延期: ask a supervisor for more working days on one running clock."""
    if not (access.can(actor, "reply", ticket)):
        raise NotAllowed(_("您没有权限为此诉求申请延期。"))
    clock = next((c for c in ticket.clocks if c.id == clock_id and c.running), None)
    if clock is None:
        raise ValidationFailed(_("请选择一个正在计时的时限。"))
    if clock.unit != "working_days":
        raise ValidationFailed(_("按小时计算的时限不能延期。"))
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(_("延期天数应为 1–%(n)d 个工作日。", n=MAX_EXTENSION_DAYS))
    if any(e.status == ExtensionStatus.PENDING for e in clock.extensions):
        raise TransitionRefused(_("该时限已有待审批的延期申请。"))
    reason = clean_text(reason, _("延期理由"), 1000)
    now = utcnow()
    ext = Extension(ticket=ticket, clock=clock, days=days, reason=reason, requested_by_id=actor.id, requested_at=now)
    db.session.add(ext)
    label = ClockKind(clock.kind).label
    record_event(ticket, actor, EventKind.EXTENSION_REQUESTED, at=now, body=reason,
                 data={"clock": label, "days": days})
    supervisors = db.session.scalars(select(User).where(User.role == Role.SUPERVISOR.value,
                                                        User.is_active_account)).all()
    notify.queue(supervisors, kind="extension", title=f"【延期申请】{ticket.number} {ticket.title}"[:200],
                 body=f"{actor.display_name}申请{label}延期 {days} 个工作日：{reason}", ticket=ticket, now=now)
    commit()
    return ext


def decide_extension(ext, actor, approve: bool, note="", *, due_on: date | None = None,
                     due_days: int | None = None):
    """审批延期: approve with a new due time (the end of `due_on`, or of the `due_days`-th working day after
    the approval day) or reject; the due time before and after goes into the history."""
    _require_supervisor(actor)
    if ext.status != ExtensionStatus.PENDING:
        raise TransitionRefused(_("该延期申请已处理。"))
    note = clean_text(note, _("审批意见"), 1000, required=False)
    now = utcnow()
    clock, ticket = ext.clock, ext.ticket
    label = ClockKind(clock.kind).label
    if approve:
        if not clock.running:
            raise TransitionRefused(_("该时限已结束，延期申请只能驳回。"))
        _check_new_due(clock, now, due_on, due_days)
    ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    ext.decided_by_id, ext.decided_at, ext.decision_note = actor.id, now, note
    if not approve:
        record_event(ticket, actor, EventKind.EXTENSION_REJECTED, at=now, body=note or ext.reason,
                     data={"clock": label, "days": ext.days})
        notify.queue([ext.requested_by], kind="extension", title=f"【延期未批准】{ticket.number}",
                     body=note or ext.reason, ticket=ticket, now=now)
        commit()
        return
    ext.new_due_on, ext.new_due_days, ext.due_before = due_on, due_days, clock.due_at
    db.session.flush()
    reconcile(ticket, now)
    ext.due_after = clock.due_at
    if due_days is not None:
        text = system_text("extension_approved_days", clock=clock.kind, due=clock.due_at, n=due_days, note=note)
    else:
        text = system_text("extension_approved_date", clock=clock.kind, due=clock.due_at, day=due_on.isoformat(),
                           note=note)
    record_event(ticket, actor, EventKind.EXTENSION_APPROVED, at=now,
                 data={"clock": label, "due": [due_text(ext.due_before) or None, due_text(clock.due_at) or None]},
                 **text)
    notify.queue([ext.requested_by], kind="extension", title=f"【延期已批准】{ticket.number}", body=text["body"],
                 ticket=ticket, now=now)
    tell.deadline_changed(ticket, clock, now)  # only a deadline the enterprise waits for (its case's resolution)
    drop_drafts()  # a due time moved: the draft's figures may change
    commit()


def _check_new_due(clock, now, due_on, due_days) -> None:
    """Refuse a new due time that is missing, in the past, on a day off, too far, or not later than the current
    one: a date from the approval day to a year ahead, or 1–250 working days from the approval."""
    if (due_on is None) == (due_days is None):
        raise ValidationFailed(_("请选择新的到期时间：指定日期，或自批准之日起若干个工作日。"))
    calendar = current_calendar()
    if due_on is not None:
        today = now.astimezone(SHANGHAI).date()
        latest = today + timedelta(days=MAX_NEW_DUE_AHEAD_DAYS)
        if due_on < today:
            raise ValidationFailed(_("新的到期日期不能早于今天（%(d)s）。", d=today.isoformat()))
        if due_on > latest:
            raise ValidationFailed(_("新的到期日期不能晚于 %(d)s（一年内）。", d=latest.isoformat()))
        if not calendar.is_workday(due_on):
            raise ValidationFailed(_("%(d)s 不是工作日，请选择一个工作日。", d=due_on.isoformat()))
        target = datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    else:
        if isinstance(due_days, bool) or not isinstance(due_days, int) or not 1 <= due_days <= MAX_NEW_DUE_DAYS:
            raise ValidationFailed(_("自批准之日起的工作日数应为 1–%(n)d。", n=MAX_NEW_DUE_DAYS))
        target = calendar.working_days_deadline(now, due_days)
    if clock.due_at is not None and target <= clock.due_at:
        raise ValidationFailed(_("新的到期时间（%(new)s）应晚于当前到期时间（%(old)s）。",
                                 new=due_text(target), old=due_text(clock.due_at)))


def pending_extension_query():
    """How many extension requests wait for a supervisor, as a select() (the menu's count over an index, read with
    the menu's others in one statement: app/menu.py)."""
    return select(func.count(Extension.id)).where(Extension.status == ExtensionStatus.PENDING.value)


def pending_extensions(limit=500) -> list:
    """The extension requests waiting for a decision, oldest first, with their ticket, clock and requester."""
    return db.session.scalars(select(Extension).where(Extension.status == ExtensionStatus.PENDING.value)
                              .options(joinedload(Extension.ticket), joinedload(Extension.requested_by),
                                       joinedload(Extension.clock).joinedload(TicketClock.assignment)
                                       .joinedload(Assignment.department),
                                       joinedload(Extension.clock).joinedload(TicketClock.action_item))
                              .order_by(Extension.id).limit(limit)).all()


def after_calendar_change(actor, first_day: date | None = None, last_day: date | None = None, now=None) -> int:
    """Follow a calendar correction on days first_day..last_day: open clocks move, settled clocks of unpublished
    months are re-settled (each recorded on its ticket), those of published months wait for a republication and
    the published versions count the lines that would change. Returns how many open tickets were recomputed."""
    now = now or utcnow()
    forget_calendar()
    touched, changes = recalendar(now, first_day, last_day)
    record_due_changes(changes, actor, now)
    db.session.flush()
    recount_pending_lines(now)
    drop_drafts()
    return len(touched)


_OVERRIDE_FIELDS = ("day", "is_workday", "note")


def set_override(actor, day: date, is_workday: bool, note=""):
    """Mark a date as a holiday or a working day, whatever the statutory calendar says; deadlines follow."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改工作日历。"))
    note = clean_text(note, _("说明"), 100, required=False)
    now = utcnow()
    row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    before = snapshot(row, _OVERRIDE_FIELDS)
    if row is None:
        row = CalendarOverride(day=day, created_at=now, created_by_id=actor.id)
        db.session.add(row)
    row.is_workday, row.note = is_workday, note
    db.session.flush()
    touched = after_calendar_change(actor, day, day, now=now)
    record_change(actor, "update" if before else "create", "calendar_override", day.isoformat(), before,
                  snapshot(row, _OVERRIDE_FIELDS), now)
    commit()
    return touched


def remove_override(actor, override):
    """Return a date to the statutory calendar; deadlines follow."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改工作日历。"))
    day, before, now = override.day, snapshot(override, _OVERRIDE_FIELDS), utcnow()
    db.session.delete(override)
    db.session.flush()
    touched = after_calendar_change(actor, day, day, now=now)
    record_change(actor, "delete", "calendar_override", day.isoformat(), before, {}, now)
    commit()
    return touched


POLICY_FIELDS = ("acknowledge_hours", "first_reply_wd", "sign_off_wd", "resolution_wd", "convened_wd",
                 "follow_up_wd", "remediation_wd", "warning_percent", "supervise_after_wd", "escalate_after_wd")
RATING_DAYS_RANGE = (1, 30)


def save_policy(actor, policy, *, name, category_id, urgency, **targets):
    """Create or change a policy; it applies to clocks started from now on."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改时限标准。"))
    clash = db.session.scalar(select(SlaPolicy).where(
        SlaPolicy.category_id.is_(None) if category_id is None else SlaPolicy.category_id == category_id,
        SlaPolicy.urgency.is_(None) if urgency is None else SlaPolicy.urgency == urgency))
    if clash is not None and (policy is None or clash.id != policy.id):
        raise ValidationFailed(_("该类别和紧急程度已有时限标准：“%(name)s”。", name=clash.name))
    action, before = ("update", snapshot(policy)) if policy is not None else ("create", {})
    policy = policy or SlaPolicy()
    policy.name, policy.category_id, policy.urgency = name, category_id, urgency
    for field in POLICY_FIELDS:
        setattr(policy, field, targets[field])
    policy.updated_at = utcnow()
    db.session.add(policy)
    db.session.flush()
    record_change(actor, action, "sla_policy", policy.id, before, snapshot(policy), policy.updated_at)
    commit()
    return policy


def save_rating_policy(actor, days) -> RatingPolicy:
    """Change the 好差评 rating window: a case resolved and not rated within `days` natural days is rated 基本满意
    by default at the next sweep (the new window applies to every case still waiting, from the next sweep on)."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改好差评设置。"))
    low, high = RATING_DAYS_RANGE
    if not isinstance(days, int) or isinstance(days, bool) or not low <= days <= high:
        raise ValidationFailed(_("默认评价期限应为 %(low)d–%(high)d 个自然日。", low=low, high=high))
    existing = rating_policy()
    before = snapshot(existing, ("default_after_days",)) if existing is not None else {}
    policy = existing or RatingPolicy()
    policy.default_after_days, policy.updated_at, policy.updated_by_id = days, utcnow(), actor.id
    db.session.add(policy)
    db.session.flush()
    record_change(actor, "update" if existing is not None else "create", "rating_policy", policy.id, before,
                  snapshot(policy, ("default_after_days",)), policy.updated_at)
    commit()
    return policy


def recompute_open_tickets(actor) -> int:
    """Apply today's policies to every open ticket's running clocks (an explicit, audited act), and to the
    remediation clocks of closed cases."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以重算时限。"))
    now = utcnow()
    remediating = select(TicketClock.ticket_id).where(TicketClock.kind == ClockKind.REMEDIATION.value,
                                                      TicketClock.stopped_at.is_(None))
    tickets = db.session.scalars(select(Ticket).where(
        Ticket.state.in_(OPEN_STATES + ["resolved"]) | Ticket.id.in_(remediating)).options(
        selectinload(Ticket.clocks).selectinload(TicketClock.pauses),
        selectinload(Ticket.clocks).selectinload(TicketClock.extensions))).all()
    changed = 0
    for ticket in tickets:
        before = {c.id: c.due_at for c in ticket.clocks if c.running}
        policy = policy_for(ticket.category_id, ticket.urgency)
        for clock in ticket.clocks:
            if clock.running and clock.kind != ClockKind.ACTION_ITEM.value:  # items keep their own days
                target = target_for(policy, ClockKind(clock.kind), convened=clock.convened)
                thresholds = thresholds_of(policy)
                clock.policy_id, clock.unit, clock.amount = policy.id, target.unit, int(target.amount)
                clock.warning_percent = policy.warning_percent
                clock.supervise_after_wd = thresholds.supervise_after_wd
                clock.escalate_after_wd = thresholds.escalate_after_wd
        reconcile(ticket, now)  # also starts clocks a ticket from before the SLA engine never had
        after = {c.id: c.due_at for c in ticket.clocks if c.running}
        if after != before:
            changed += 1
            record_event(ticket, actor, EventKind.SLA_RECOMPUTED, at=now, data={
                "due": [min((d for d in before.values() if d), default=None),
                        min((d for d in after.values() if d), default=None)]})
    drop_drafts()  # a due time moved: the draft's figures may change
    record_change(actor, "recompute", "sla_recompute", "", {}, {"tickets_changed": changed}, now)
    commit()
    return changed


# ---- the duty roster (值班表) ------------------------------------------------------------------------------

DUTY_ROLES = (Role.SECRETARY.value, Role.SUPERVISOR.value)  # center staff; departments' officers are not on it


def duty_candidates():
    """Who may be put on duty: active project secretaries and supervisors."""
    return db.session.scalars(select(User).where(User.is_active_account.is_(True), User.role.in_(DUTY_ROLES))
                              .order_by(User.role, User.display_name, User.id)).all()


_DUTY_FIELDS = ("day", "user_id")


def add_duty(actor, day: date, user_id) -> DutyShift:
    """Put a person on duty for a date (Beijing, 00:00–24:00): the 24-hour clock's warnings and breaches of
    that date reach them at once, whatever the hour."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以安排值班。"))
    if day < utcnow().astimezone(SHANGHAI).date():
        raise ValidationFailed(_("%(day)s 已过去，不能再安排值班。", day=day.isoformat()))
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_active_account or user.role not in DUTY_ROLES:
        raise ValidationFailed(_("只能安排在用的项目秘书或督办人员值班。"))
    taken = db.session.scalar(select(DutyShift).where(DutyShift.day == day, DutyShift.user_id == user.id))
    if taken is not None:
        raise ValidationFailed(_("%(name)s 已在 %(day)s 的值班表上。", name=user.display_name, day=day.isoformat()))
    shift = DutyShift(day=day, user_id=user.id, created_by_id=actor.id, created_at=utcnow())
    db.session.add(shift)
    try:
        db.session.flush()
        record_change(actor, "create", "duty_shift", shift.id, {}, snapshot(shift, _DUTY_FIELDS), shift.created_at)
        db.session.commit()
    except IntegrityError as exc:  # a second admin added the same person a moment ago
        db.session.rollback()
        raise ValidationFailed(_("%(name)s 已在 %(day)s 的值班表上。", name=user.display_name,
                                 day=day.isoformat())) from exc
    return shift


def remove_duty(actor, shift: DutyShift) -> None:
    """Take a person off the roster for a date."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以安排值班。"))
    record_change(actor, "delete", "duty_shift", shift.id, snapshot(shift, _DUTY_FIELDS), {}, utcnow())
    db.session.delete(shift)
    db.session.commit()
