"""Deadlines in the UI: the explain panel, the overdue board, extensions, notifications, calendar and policies."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth.decorators import roles_required
from app.timesource import utcnow
from app.supervision import board as overdue_board, notify, services
from app.deadlines.calendar import current_calendar, uncovered_years
from app.supervision.notify import unread_count
from app.deadlines.engine import explained_status
from app.deadlines.policies import rating_policy, rating_window_days
from app.deadlines import procedures as procedure_deadlines
from app.supervision.forms import (DecisionForm, DutyForm, ExtensionForm, NoteForm, NoticeForm, OverrideForm,
                                   PolicyForm, RatingPolicyForm, SuperviseForm)
from app.supervision import notice as notices
from app.supervision import outbox as outbox_page
from app.enums import ExtensionStatus, OPEN_STATES, Role
from app.errors import ServiceError
from app.display import clock_label, lateness_text, outside_limit_text
from app.forms import prefix_ids, run_form_verb
from app.extensions import db
from app.models import (CalendarOverride, ClockLevelChange, Department, DutyShift, Extension, Notification, SlaPolicy,
                        WorkerHeartbeat)
from app.reference import active_categories
from app.tickets import access, remediation
from app.tickets.views import viewable_ticket
from sla.calendar import SHANGHAI, covered_years

bp = Blueprint("supervision", __name__)


def clock_rows(ticket, now):
    """Each clock of the ticket with what the engine says about it, running ones first, then newest first."""
    ordered = sorted(ticket.clocks, key=lambda c: (not c.running, -c.started_at.timestamp(), -c.id))
    return [(clock, explained_status(clock, now)) for clock in ordered]


def deadline_panel(ticket, *, error=None, message=None, forms=None, status=200):
    """The "时限" panel of a ticket: every clock, how its deadline came about, extensions and SLA actions."""
    now = utcnow()
    running = [c for c in ticket.clocks if c.running and c.unit == "working_days"]
    forms = forms or {}
    context = dict(
        ticket=ticket, rows=clock_rows(ticket, now), now=now, error=error, message=message,
        clock_label=clock_label, lateness=lateness_text, limit_text=outside_limit_text,
        can_request=bool(running) and access.can(current_user, "reply", ticket),
        can_supervise=current_user.is_supervisor and (ticket.state in OPEN_STATES or bool(ticket.open_remediations)),
        extension_form=prefix_ids(forms.get("extension") or ExtensionForm(clocks=[(c, clock_label(c)) for c in running]),
                                  "extension"),
        urge_form=prefix_ids(forms.get("urge") or NoteForm(), "urge"),
        supervise_form=prefix_ids(forms.get("supervise") or SuperviseForm(), "supervise"),
        decision_form=DecisionForm(), level_history=level_history(ticket),
        pending=[e for e in ticket_extensions(ticket) if e.status == ExtensionStatus.PENDING],
        extensions=ticket_extensions(ticket))
    return render_template("supervision/_deadlines.html", **context), status


def level_history(ticket) -> dict:
    """Every level each clock of the ticket reached, withdrawn ones included, by clock id, oldest first."""
    rows = db.session.scalars(select(ClockLevelChange).where(ClockLevelChange.ticket_id == ticket.id)
                              .order_by(ClockLevelChange.at, ClockLevelChange.id)).all()
    history = {}
    for row in rows:
        history.setdefault(row.clock_id, []).append(row)
    return history


def ticket_extensions(ticket):
    return db.session.scalars(select(Extension).where(Extension.ticket_id == ticket.id).order_by(Extension.id)).all()


@bp.get("/tickets/<int:ticket_id>/deadlines")
@login_required
def deadlines(ticket_id):
    """The deadline panel (polled by the ticket page every minute)."""
    return deadline_panel(viewable_ticket(ticket_id))


def _panel_action(ticket_id, form_key, form, run, done):
    ticket = viewable_ticket(ticket_id)
    refused = run_form_verb(form, lambda: run(ticket))
    if refused is not None:
        return deadline_panel(viewable_ticket(ticket_id), error=refused.message, forms={form_key: form},
                              status=refused.status)
    db.session.expire_all()
    if not request.htmx:
        flash(done, "success")
        if request.form.get("back") == "board":
            return redirect(url_for("supervision.board"), 303)
        return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)
    return deadline_panel(viewable_ticket(ticket_id), message=done)


@bp.post("/tickets/<int:ticket_id>/urge")
@roles_required(Role.SUPERVISOR)
def urge(ticket_id):
    """催办 a late case."""
    form = NoteForm()
    return _panel_action(ticket_id, "urge", form, lambda t: services.urge_ticket(t, current_user, form.note.data),
                         _("已催办，相关人员已收到提醒。"))


@bp.post("/tickets/<int:ticket_id>/supervise")
@roles_required(Role.SUPERVISOR)
def supervise(ticket_id):
    """督办 a case."""
    form = SuperviseForm()
    return _panel_action(ticket_id, "supervise", form,
                         lambda t: services.supervise_ticket(t, current_user, form.note.data), _("已列为督办件。"))


@bp.post("/tickets/<int:ticket_id>/extensions")
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def request_extension(ticket_id):
    """申请延期 for one running clock."""
    ticket = viewable_ticket(ticket_id)
    running = [c for c in ticket.clocks if c.running and c.unit == "working_days"]
    form = ExtensionForm(clocks=[(c, clock_label(c)) for c in running])
    return _panel_action(ticket_id, "extension", form, lambda t: services.request_extension(
        t, current_user, form.clock_id.data, form.days.data, form.reason.data), _("延期申请已提交，等待督办审批。"))


@bp.post("/extensions/<int:extension_id>/decide")
@roles_required(Role.SUPERVISOR)
def decide_extension(extension_id):
    """Approve an extension request with a new due time, or reject it."""
    ext = db.session.get(Extension, extension_id) or abort(404)
    form = DecisionForm()
    approve = form.decision.data == "approve"
    done = _("已批准延期，到期时间已更新。") if approve else _("已驳回延期申请。")

    def run(_ticket=None):
        services.decide_extension(ext, current_user, approve, form.note.data,
                                  due_on=form.new_due_on, due_days=form.new_due_days)

    if request.form.get("back") == "extensions" and not request.htmx:
        refused = run_form_verb(form, run)
        if refused is not None:
            return extensions_page(error=refused.message, status=refused.status)
        flash(done, "success")
        return redirect(url_for("supervision.extensions"), 303)
    return _panel_action(ext.ticket_id, "decision", form, run, done)


def extensions_page(*, error=None, status=200):
    """The pending extension requests with what a supervisor needs to decide: how late each case is now."""
    now = utcnow()
    rows = [(e, lateness_text(e.clock.unit, e.clock.due_at, now)) for e in services.pending_extensions()]
    return render_template("supervision/extensions.html", rows=rows, now=now, error=error,
                           clock_label=clock_label), status


@bp.get("/supervision/extensions")
@roles_required(Role.SUPERVISOR)
def extensions():
    """延期审批: every pending extension request, oldest first, to approve with a new due time or reject."""
    return extensions_page()


RECENT_REMEDIATION_DAYS = 30


@bp.get("/supervision/remediations")
@roles_required(Role.SUPERVISOR)
def remediations():
    """差评整改: every remediation waiting for its return visit, nearest deadline first, and those completed in the
    last 30 days with the visit's result."""
    now = utcnow()
    return render_template("supervision/remediations.html", rows=remediation.open_list(),
                           done=remediation.completed_since(now - timedelta(days=RECENT_REMEDIATION_DAYS)),
                           days=RECENT_REMEDIATION_DAYS, now=now, lateness=lateness_text)


BOARD_PAGE_SIZE = 50


@bp.get("/board/overdue")
@roles_required(Role.SUPERVISOR)
def board():
    """督办台: late cases one row each with their late clocks inside (a tab per level, or by department), pending
    extensions, and the 代办 procedures past their due date."""
    now = utcnow()
    tab = request.args.get("level") if request.args.get("level") in overdue_board.TABS else "late"
    view = "department" if request.args.get("view") == "department" else "cases"
    department = request.args.get("department", type=int)
    department = db.session.get(Department, department) if department and 0 < department < 2**31 else None
    page_no = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    levels = overdue_board.tab_levels(tab)
    departments = overdue_board.by_department()
    page = None
    if view == "cases":
        page = overdue_board.case_page(levels, page_no, BOARD_PAGE_SIZE, department.id if department else None)
    pending = db.session.scalars(select(Extension).where(Extension.status == ExtensionStatus.PENDING)
                                 .options(joinedload(Extension.ticket)).order_by(Extension.id).limit(20)).all()
    procedures = procedure_deadlines.overdue(now.astimezone(SHANGHAI).date())
    return render_template("supervision/board.html", page=page, counts=overdue_board.tab_counts(), tab=tab,
                           view=view, department=department, departments=departments, pending=pending, now=now,
                           clock_label=clock_label, lateness=lateness_text, answerer=overdue_board.answerer,
                           procedures=procedures, count_seconds=current_app.config.get("BOARD_CACHE_SECONDS", 30),
                           kept=overdue_board.kept_tallies())


# ---- notifications --------------------------------------------------------------------------------------

@bp.get("/notifications/bell")
@login_required
def bell():
    """The bell with its unread count (polled)."""
    return render_template("supervision/_bell.html", unread=unread_count(current_user))


@bp.get("/notifications")
@login_required
def notifications():
    """The person's messages, newest first, those new since their previous look marked; looking resets the bell."""
    seen_before = current_user.notifications_seen_at
    notify.mark_list_seen(current_user, utcnow())  # first, so this page's own bell already reads 0
    rows = db.session.scalars(select(Notification).where(
        Notification.user_id == current_user.id, Notification.channel == "in_app")
        .order_by(Notification.id.desc()).limit(200)).all()
    new_ids = {n.id for n in rows if notify.is_new(n, seen_before)}
    return render_template("supervision/notifications.html", rows=rows, new_ids=new_ids)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    """Mark every message read."""
    db.session.execute(Notification.__table__.update().where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("supervision.notifications"), 303)


@bp.post("/notifications/<int:note_id>/open")
@login_required
def open_notification(note_id):
    """Mark one message read and go to its ticket."""
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    note.read_at = note.read_at or utcnow()
    db.session.commit()
    if note.ticket_id:
        return redirect(url_for("tickets.detail", ticket_id=note.ticket_id), 303)
    return redirect(url_for("supervision.notifications"), 303)


# ---- admin: calendar, policies, outbox ------------------------------------------------------------------

@bp.route("/admin/calendar", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def calendar():
    """The working-day calendar: statutory coverage, the next year's warning, and admin overrides."""
    form = OverrideForm()
    status = 200
    if form.validate_on_submit():
        try:
            touched = services.set_override(current_user, form.day.data, form.kind.data == "workday", form.note.data)
        except ServiceError as exc:
            db.session.rollback()
            form.day.errors = [exc.message]
            status = exc.status
        else:
            flash(_("已保存。%(n)d 件在办诉求的时限已重新计算。", n=touched), "success")
            return redirect(url_for("supervision.calendar"), 303)
    elif request.method == "POST":
        status = 400
    today = utcnow().astimezone(SHANGHAI).date()
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc())).all()
    cal = current_calendar()
    month = [today.replace(day=1) + timedelta(days=i) for i in range(62)]
    return render_template("supervision/calendar.html", form=form, overrides=overrides, covered=covered_years(),
                           missing=uncovered_years([today.year, today.year + 1]), cal=cal, days=month,
                           today=today, notices=notices.notices()), status


@bp.route("/admin/calendar/notice", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def calendar_notice():
    """Import a year's State Council notice: check the lines, preview the open deadlines it moves, then confirm."""
    form = NoticeForm()
    moves, error, status = None, None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        else:
            try:
                notice = notices.parse_notice(form.year.data, form.holidays.data, form.workdays.data)
                if form.confirm.data == "1":
                    touched = notices.import_notice(current_user, notice)
                    flash(_("%(y)d 年放假安排已导入，共 %(d)d 天放假、%(w)d 个调休上班日；%(n)d 件在办诉求的时限已重新计算。",
                            y=notice.year, d=len(notice.days_off), w=len(notice.workdays), n=touched), "success")
                    return redirect(url_for("supervision.calendar"), 303)
                moves = notices.preview_notice(notice)
            except ServiceError as exc:
                db.session.rollback()
                error, status = exc.message, exc.status
    elif not form.year.data:
        today = utcnow().astimezone(SHANGHAI).date()
        missing = uncovered_years([today.year, today.year + 1])
        form.year.data = str(missing[0]) if missing else ""
    return render_template("supervision/calendar_notice.html", form=form, moves=moves, error=error,
                           clock_label=clock_label), status


@bp.post("/admin/calendar/<int:override_id>/delete")
@roles_required(Role.ADMIN)
def delete_override(override_id):
    """Remove an override."""
    row = db.session.get(CalendarOverride, override_id) or abort(404)
    touched = services.remove_override(current_user, row)
    flash(_("已删除。%(n)d 件在办诉求的时限已重新计算。", n=touched), "success")
    return redirect(url_for("supervision.calendar"), 303)


DUTY_DAYS_SHOWN = 14


@bp.route("/admin/duty", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def duty():
    """值班表: who is on duty on each coming date; add a person for a date."""
    form = DutyForm(people=services.duty_candidates())
    status, error = 200, None
    if form.validate_on_submit():
        try:
            shift = services.add_duty(current_user, form.day.data, form.user_id.data)
        except ServiceError as exc:
            db.session.rollback()
            status, error = exc.status, exc.message
        else:
            flash(_("已安排 %(name)s 于 %(day)s 值班。", name=shift.user.display_name, day=shift.day.isoformat()),
                  "success")
            return redirect(url_for("supervision.duty"), 303)
    elif request.method == "POST":
        status = 400
    today = utcnow().astimezone(SHANGHAI).date()
    shifts = db.session.scalars(select(DutyShift).where(DutyShift.day >= today)
                                .options(joinedload(DutyShift.user)).order_by(DutyShift.day, DutyShift.id)).all()
    last = max([today + timedelta(days=DUTY_DAYS_SHOWN - 1)] + [s.day for s in shifts])
    days = [today + timedelta(days=i) for i in range((last - today).days + 1)]
    by_day = {d: [s for s in shifts if s.day == d] for d in days}
    return render_template("supervision/duty.html", form=form, days=days, by_day=by_day, today=today,
                           cal=current_calendar(), error=error), status


@bp.post("/admin/duty/<int:shift_id>/delete")
@roles_required(Role.ADMIN)
def delete_duty(shift_id):
    """Take a person off the roster for a date."""
    shift = db.session.get(DutyShift, shift_id) or abort(404)
    name, day = shift.user.display_name, shift.day.isoformat()
    services.remove_duty(current_user, shift)
    flash(_("已取消 %(name)s 于 %(day)s 的值班。", name=name, day=day), "success")
    return redirect(url_for("supervision.duty"), 303)


def _policies_page(rating_form=None, status=200):
    rows = db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.category_id.is_not(None), SlaPolicy.id)).all()
    if rating_form is None:
        rating_form = RatingPolicyForm(data={"default_after_days": rating_window_days()})
    return render_template("supervision/policies.html", rows=rows, rating_form=rating_form,
                           rating_policy=rating_policy()), status


@bp.get("/admin/policies")
@roles_required(Role.ADMIN)
def policies():
    """SLA policies by category and urgency, and the 好差评 rating window."""
    return _policies_page()


@bp.post("/admin/policies/rating")
@roles_required(Role.ADMIN)
def rating_policy_form():
    """Change how many natural days a resolved case waits for its rating before it is rated by default."""
    form = RatingPolicyForm()
    refused = run_form_verb(form, lambda: services.save_rating_policy(current_user, form.default_after_days.data))
    if refused is not None:
        if not form.default_after_days.errors:  # refused by the service, not by the form
            form.default_after_days.errors = [refused.message]
        return _policies_page(form, status=refused.status)
    flash(_("好差评设置已保存：办结后 %(n)d 个自然日内未评价的，下一次时限检查时默认评价为“基本满意”。",
            n=form.default_after_days.data), "success")
    return redirect(url_for("supervision.policies"), 303)


def _policy_form_page(policy):
    form = PolicyForm(categories=active_categories(), obj=None if request.method == "POST" else policy)
    if request.method == "GET" and policy is not None:
        form.category_id.data = str(policy.category_id or "")
        form.urgency.data = policy.urgency or ""
    if form.validate_on_submit():
        values = {f: getattr(form, f).data for f in services.POLICY_FIELDS}
        try:
            services.save_policy(current_user, policy, name=form.name.data,
                                 category_id=int(form.category_id.data) if form.category_id.data else None,
                                 urgency=form.urgency.data or None, **values)
        except ServiceError as exc:
            db.session.rollback()
            form.name.errors = [exc.message]
        else:
            flash(_("时限标准已保存，适用于此后开始计时的时限。已在办的诉求不受影响，如需按新标准重算，请点击“按现行标准重算”。"),
                  "success")
            return redirect(url_for("supervision.policies"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("supervision/policy_form.html", form=form, policy=policy), status


@bp.route("/admin/policies/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_policy():
    """Add a policy for a category and/or urgency."""
    return _policy_form_page(None)


@bp.route("/admin/policies/<int:policy_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_policy(policy_id):
    """Change a policy's targets."""
    return _policy_form_page(db.session.get(SlaPolicy, policy_id) or abort(404))


@bp.post("/admin/policies/recompute")
@roles_required(Role.ADMIN)
def recompute():
    """Apply the current policies to every open ticket (audited on each ticket it changes)."""
    changed = services.recompute_open_tickets(current_user)
    flash(_("已按现行标准重算，%(n)d 件诉求的时限发生变化（均已记入操作记录）。", n=changed), "success")
    return redirect(url_for("supervision.policies"), 303)


@bp.get("/admin/outbox")
@roles_required(Role.ADMIN)
def outbox():
    """Notification delivery: what waits, what failed and why, and when the background jobs last ran."""
    failed = db.session.scalars(select(Notification).where(
        Notification.channel != "in_app", Notification.sent_at.is_(None), Notification.attempts > 0)
        .options(joinedload(Notification.user), joinedload(Notification.enterprise))
        .order_by(Notification.id.desc()).limit(100)).all()
    waiting = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.channel != "in_app", Notification.sent_at.is_(None), Notification.attempts < notify.MAX_ATTEMPTS))
    beats = db.session.scalars(select(WorkerHeartbeat)).all()
    sms_waiting = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.channel == "sms", Notification.sent_at.is_(None), Notification.attempts < notify.MAX_ATTEMPTS))
    return render_template("supervision/outbox.html", failed=outbox_page.failed_rows(failed), waiting=waiting,
                           jobs=outbox_page.job_rows(beats, utcnow()), sms_waiting=sms_waiting,
                           sms_gateway=bool(current_app.config.get("SMS_GATEWAY_URL")))
