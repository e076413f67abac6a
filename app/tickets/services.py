"""Workflow verbs: each checks role and state, writes, records one event, and commits."""
import json
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.attachments import check_uploads, discard_files, store_uploads
from app.timesource import utcnow
from app.display import local, system_text
from app.enums import (DEFAULT_SATISFACTION, DEFAULT_SOLVED, AssignmentRole, AssignmentStatus, Channel, ClockKind,
                       EventKind, Satisfaction, Solved, TicketState as S, Urgency)
from app.errors import EditConflict, NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.messaging import tell
from app.text import clean_text, is_digits
from app.models import Assignment, Category, Department, Notification, Rating
from app.tickets import access, remediation as remediations, routing, workflow
from app.deadlines.engine import reconcile
from app.journal import commit, record_event


def stage(ticket, now, files=()):
    """Bring the ticket's SLA clocks in step with what just changed, within the unit of work (not committed:
    a verb over several tickets, like convening a meeting, commits once for all)."""
    try:
        reconcile(ticket, now)  # its queries flush the ticket: a concurrent save shows up here already
    except StaleDataError as exc:
        db.session.rollback()
        discard_files(files)
        raise EditConflict(_("此诉求刚被其他人修改，您的操作未保存。请刷新后重试。")) from exc


def save(ticket, now, files=()):
    """Bring the ticket's SLA clocks in step with what just changed, then commit the unit of work."""
    stage(ticket, now, files)
    commit(files)


def _check(ticket, actor, action, version):
    if not access.can(actor, action, ticket):
        raise NotAllowed(_("您没有权限执行此操作。"))
    workflow.require(action, ticket.state)
    if version is not None and int(version) != ticket.version:
        raise EditConflict(_("此诉求已被其他人修改（您看到的是旧版本）。请刷新页面后再操作，您填写的内容未保存。"))


def _move(ticket, actor, kind, to_state, *, now, body="", data=None, public=False, text=None):
    before = ticket.state
    ticket.state = to_state.value if isinstance(to_state, S) else to_state
    ticket.updated_at = now
    return record_event(ticket, actor, kind, at=now, from_state=before, to_state=ticket.state, body=body,
                        data=data, public=public, text=text)


def accept_ticket(ticket, actor, version):
    """受理: take an intake ticket into triage; the accepting secretary becomes responsible if none is."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "accept", version)
    ticket.accepted_at = now
    data = {}
    if actor.is_secretary and ticket.secretary_id != actor.id:
        # Accepting a case from the pool or routed to a colleague takes it over (recorded as its own event), so
        # the accepting secretary keeps seeing it.
        event = routing.take_over(ticket, actor, now)
        data["secretary"] = json.loads(event.data)["secretary"]
    _move(ticket, actor, EventKind.ACCEPTED, workflow.target("accept"), now=now, data=data, public=True,
          **system_text("accepted"))
    tell.accepted(ticket, now)
    save(ticket, now)


def take_ticket(ticket, actor, version):
    """领取 / 接手: a secretary takes an open case from the pool or from a colleague into their own care."""
    now = utcnow()  # one moment for the whole unit of work
    if not access.can_take(actor, ticket):
        raise NotAllowed(_("只有项目秘书可以领取公共池或同事的未办结诉求。"))
    if version is not None and int(version) != ticket.version:
        raise EditConflict(_("此诉求已被其他人修改（您看到的是旧版本）。请刷新页面后再操作，您填写的内容未保存。"))
    routing.take_over(ticket, actor, now)
    save(ticket, now)


def reject_ticket(ticket, actor, version, reason):
    """不予受理: refuse an intake ticket with a reason the enterprise sees."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "reject", version)
    reason = clean_text(reason, _("不予受理的理由"), 2000)
    ticket.closed_at = now
    _move(ticket, actor, EventKind.REJECTED, workflow.target("reject"), now=now, body=reason, public=True)
    save(ticket, now)


def return_to_platform(ticket, actor, version, reason):
    """退单: a 12345 order that is not the centre's goes back to the platform with a reason; the case ends
    there (returned, not 办结: its clocks end as no longer needed), and the platform is told (outbound events)."""
    now = utcnow()  # one moment for the whole unit of work
    if ticket.channel != Channel.HOTLINE.value:
        raise TransitionRefused(_("只有 12345 转办的诉求可以退回 12345 平台。"))
    _check(ticket, actor, "platform_return", version)
    reason = clean_text(reason, _("退单理由"), 2000)
    ticket.closed_at = now
    order = ticket.hotline_order
    data = {"order_no": order.order_no} if order is not None else None
    # Public, like a refusal's reason: the enterprise reads why its case went back to 12345.
    _move(ticket, actor, EventKind.PLATFORM_RETURNED, workflow.target("platform_return"), now=now, body=reason,
          data=data, public=True)
    save(ticket, now)


def _with_files(ticket, actor, kind, body, files, *, now, public):
    uploads = check_uploads(files or [])
    event = record_event(ticket, actor, kind, at=now, body=body, public=public)
    rows = store_uploads(ticket, uploads, event=event, public=public, uploader=actor)
    db.session.add_all(rows)
    ticket.updated_at = now
    return event, rows


def reply_to_enterprise(ticket, actor, body, files=()):
    """答复: a public reply; the first one counts as the ticket's first reply."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "reply", None)
    body = clean_text(body, _("答复内容"))
    _event, rows = _with_files(ticket, actor, EventKind.REPLIED, body, files, now=now, public=True)
    if ticket.first_replied_at is None:
        ticket.first_replied_at = now
        tell.first_reply(ticket, now)
    save(ticket, now, rows)


def add_note(ticket, actor, body, files=()):
    """内部备注: a note only staff ever see."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "note", None)
    body = clean_text(body, _("备注内容"))
    _event, rows = _with_files(ticket, actor, EventKind.NOTED, body, files, now=now, public=False)
    save(ticket, now, rows)


def dispatch_ticket(ticket, actor, version, lead_department_id, support_department_ids=(), instructions=""):
    """转办: hand the ticket to one lead department and optional supporting departments."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "dispatch", version)
    try:
        lead_id = int(lead_department_id)
        support_ids = sorted({int(i) for i in support_department_ids or []} - {lead_id})
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("请选择主办部门。")) from exc
    departments = {d.id: d for d in db.session.query(Department).filter(
        Department.id.in_([lead_id, *support_ids]), Department.is_active.is_(True))}
    if lead_id not in departments or any(i not in departments for i in support_ids):
        raise ValidationFailed(_("所选部门不存在或已停用。"))
    instructions = (instructions or "").strip()
    if len(instructions) > 2000:
        raise ValidationFailed(_("转办意见不能超过 %(n)d 字。", n=2000))
    for a in ticket.active_assignments:
        a.status = AssignmentStatus.WITHDRAWN.value
    for dep_id, role in [(lead_id, AssignmentRole.LEAD), *[(i, AssignmentRole.SUPPORT) for i in support_ids]]:
        db.session.add(Assignment(ticket=ticket, department_id=dep_id, role=role.value, instructions=instructions,
                                  dispatched_at=now, dispatched_by_id=actor.id))
    ticket.dispatched_at = now
    names = {"lead": departments[lead_id].name, "support": [departments[i].name for i in support_ids]}
    public_text = _("已转交%(lead)s办理。", lead=names["lead"])
    _move(ticket, actor, EventKind.DISPATCHED, workflow.target("dispatch"), now=now, body=instructions,
          data=names)
    record_event(ticket, actor, EventKind.PROGRESS, at=now, body=public_text, public=True)
    save(ticket, now)


def sign_assignment(ticket, actor, version):
    """签收: the officer's department accepts its dispatched part of the ticket."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "sign", version)
    assignment = access.department_assignment(actor, ticket, (AssignmentStatus.PENDING.value,))
    assignment.status = AssignmentStatus.SIGNED.value
    assignment.signed_at = now
    ticket.updated_at = assignment.signed_at
    record_event(ticket, actor, EventKind.SIGNED, at=now, data={"department": assignment.department.name,
                                                         "role": assignment.role})
    save(ticket, now)


def return_assignment(ticket, actor, version, reason):
    """退回: the department hands its part back with a reason; a returned lead sends the ticket to triage."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "return", version)
    reason = clean_text(reason, _("退回理由"), 2000)
    assignment = access.department_assignment(actor, ticket)
    assignment.status = AssignmentStatus.RETURNED.value
    assignment.returned_at = now
    assignment.return_reason = reason
    data = {"department": assignment.department.name, "role": assignment.role}
    if assignment.role == AssignmentRole.LEAD.value:
        for other in ticket.active_assignments:
            other.status = AssignmentStatus.WITHDRAWN.value
        ticket.accepted_at = ticket.accepted_at or now
        _move(ticket, actor, EventKind.RETURNED, S.TRIAGE, now=now, body=reason, data=data)
    else:
        ticket.updated_at = now
        record_event(ticket, actor, EventKind.RETURNED, at=now, body=reason, data=data)
    save(ticket, now)


def report_progress(ticket, actor, body, public=False, files=()):
    """办理进展: the department reports what it has done; optionally visible to the enterprise."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "progress", None)
    body = clean_text(body, _("进展情况"))
    _event, rows = _with_files(ticket, actor, EventKind.PROGRESS, body, files, now=now, public=bool(public))
    save(ticket, now, rows)


def hold_ticket(ticket, actor, version, reason):
    """挂起: wait on the enterprise; the reason is shown to it."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "hold", version)
    reason = clean_text(reason, _("挂起原因"), 2000)
    ticket.held_from = ticket.state
    _move(ticket, actor, EventKind.HELD, workflow.target("hold"), now=now, body=reason, public=True)
    save(ticket, now)


def resume_ticket(ticket, actor, version, note=""):
    """恢复办理: return to the state the ticket was held from."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "resume", version)
    target = ticket.held_from or S.PROCESSING.value
    ticket.held_from = None
    _move(ticket, actor, EventKind.RESUMED, target, now=now, body=(note or "").strip()[:2000], public=True)
    save(ticket, now)


def resolve_ticket(ticket, actor, version, outcome, override_reason=""):
    """办结: record the outcome the enterprise will see and ask it to confirm. Open meeting action items block
    it, unless a supervisor overrides with a reason."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "resolve", version)
    outcome = clean_text(outcome, _("办理结果"))
    open_items = ticket.open_action_items
    override = (override_reason or "").strip()
    if open_items and not override:
        raise TransitionRefused(_("还有 %(n)d 项会办事项未完成，不能办结。督办人员可填写理由后强制办结。",
                                  n=len(open_items)))
    if open_items and not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以在会办事项未完成时强制办结。"))
    if len(override) > 1000:
        raise ValidationFailed(_("%(label)s不能超过 %(n)d 字。", label=_("强制办结理由"), n=1000))
    ticket.outcome = outcome
    ticket.resolved_at = now
    ticket.first_replied_at = ticket.first_replied_at or ticket.resolved_at  # the outcome answers the enterprise
    data = {"override": override, "open_items": [i.title for i in open_items]} if open_items else None
    _move(ticket, actor, EventKind.RESOLVED, workflow.target("resolve"), now=now, body=outcome, public=True,
          data=data)
    tell.resolved(ticket, now)
    save(ticket, now)


def _reopen(ticket, actor, reason, now):
    ticket.reopen_count += 1
    ticket.resolved_at = None
    ticket.dispatched_at = now  # a fresh resolution budget starts now
    target = workflow.target("reopen") if ticket.lead_assignment else S.TRIAGE
    if target is S.TRIAGE:
        ticket.accepted_at = now
    event = _move(ticket, actor, EventKind.REOPENED, target, now=now, body=reason, public=True)
    tell.reopened(ticket, now)
    return event


def reopen_ticket(ticket, actor, version, reason):
    """重办: the problem is not solved; work starts again."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "reopen", version)
    _reopen(ticket, actor, clean_text(reason, _("重办原因"), 2000), now)
    save(ticket, now)


def close_ticket(ticket, actor, version, note=""):
    """关闭: the follow-up is done and the case is filed."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "close", version)
    ticket.closed_at = now
    _move(ticket, actor, EventKind.CLOSED, workflow.target("close"), now=now, body=(note or "").strip()[:2000],
          public=True)
    save(ticket, now)


def edit_ticket(ticket, actor, version, *, title, description, category_id, urgency):
    """修改: correct a ticket's title, description, category or urgency; before and after are logged."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "edit", version)
    title = clean_text(title, _("标题"), 100, single_line=True)
    description = clean_text(description, _("问题描述"))
    category = db.session.get(Category, int(category_id)) if is_digits(str(category_id)) else None
    if category is None or not category.is_active:
        raise ValidationFailed(_("请选择有效的诉求类别。"))
    if Urgency.get(urgency) is None:
        raise ValidationFailed(_("请选择紧急程度。"))
    changes = {}
    old_category = ticket.category.name if ticket.category else None
    for field, new in (("title", title), ("description", description), ("category_id", category.id),
                       ("urgency", urgency)):
        old = getattr(ticket, field)
        if old != new:
            changes[field] = [old, new]
            setattr(ticket, field, new)
    if not changes:
        return False
    if "category_id" in changes:
        changes["category_id"] = [old_category, category.name]
    ticket.updated_at = now
    record_event(ticket, actor, EventKind.EDITED, at=now, data=changes)
    save(ticket, now)
    return True


def supplement_ticket(ticket, body, files=()):
    """企业补充: the enterprise adds information or files; a ticket on hold for it resumes."""
    now = utcnow()  # one moment for the whole unit of work
    workflow.require("supplement", ticket.state)
    body = (body or "").strip()
    if len(body) > 5000 or "\x00" in body:
        raise ValidationFailed(_("补充说明不能超过 %(n)d 字。", n=5000))
    uploads = check_uploads(files or [])
    if not body and not uploads:
        raise ValidationFailed(_("请填写补充说明或选择附件。"))
    event = record_event(ticket, None, EventKind.SUPPLEMENTED, at=now, body=body, public=True)
    rows = store_uploads(ticket, uploads, event=event, public=True)
    db.session.add_all(rows)
    ticket.updated_at = now
    if ticket.state == S.ON_HOLD.value:
        target = ticket.held_from or S.PROCESSING.value
        ticket.held_from = None
        _move(ticket, None, EventKind.RESUMED, target, now=now, public=True, **system_text("resumed_by_supplement"))
    save(ticket, now, rows)


def rate_ticket(ticket, satisfaction, solved, comment=""):
    """企业评价: confirm and rate a resolved ticket; 未解决 or 不满意 reopens it, otherwise it closes. A 不满意 or
    非常不满意 rating also opens a remediation (整改) with its own clock and a required return visit."""
    now = utcnow()  # one moment for the whole unit of work
    workflow.require("rate", ticket.state)
    sat, sol = Satisfaction.get(satisfaction), Solved.get(solved)
    if sat is None or sol is None:
        raise ValidationFailed(_("请选择满意程度和解决情况。"))
    comment = (comment or "").strip()
    if len(comment) > 1000 or "\x00" in comment:
        raise ValidationFailed(_("评价意见不能超过 %(n)d 字。", n=1000))
    rating = Rating(ticket=ticket, satisfaction=sat.value, solved=sol.value, comment=comment, created_at=now)
    db.session.add(rating)
    data = {"satisfaction": sat.label, "solved": sol.label}
    record_event(ticket, None, EventKind.RATED, at=now, body=comment, data=data, public=True)
    remediation = remediations.open_remediation(ticket, rating, now) if remediations.is_bad(sat.value) else None
    if sol is Solved.UNSOLVED or remediation is not None:
        _reopen(ticket, None, _("企业评价为“%(sat)s / %(sol)s”，诉求重新办理。", sat=sat.label, sol=sol.label), now)
    else:
        _close_rated(ticket, now, **system_text("confirmed_by_enterprise"))
    stage(ticket, now)
    if remediation is not None:
        remediations.announce_remediation(ticket, remediation, now)
    commit()


def _close_rated(ticket, now, body, text=None):
    ticket.closed_at = now
    _move(ticket, None, EventKind.CLOSED, workflow.target("rate"), now=now, body=body, public=True, text=text)


def rate_by_default(ticket, now, days):
    """默认评价: the enterprise did not rate within `days` natural days of the resolution, so the case is rated
    基本满意 / 解决 (marked as a default rating) and closed, as that rating would close it. The default stands: the
    case is closed and the enterprise can no longer rate it. Staged, not committed (the sweep commits its batch)."""
    workflow.require("rate", ticket.state)
    sat, sol = DEFAULT_SATISFACTION, DEFAULT_SOLVED
    db.session.add(Rating(ticket=ticket, satisfaction=sat.value, solved=sol.value, comment="", created_at=now,
                          is_default=True))
    record_event(ticket, None, EventKind.RATED, at=now, public=True, actor_name=remediations.SYSTEM,
                 data={"satisfaction": sat.label, "solved": sol.label, "default": True},
                 **system_text("default_rating", n=days, sat=sat.value))
    _close_rated(ticket, now, **system_text("closed_after_default"))
    stage(ticket, now)


def record_return_visit(ticket, actor, *, visited_on, way, result, satisfied):
    """回访: record the return visit after a 差评 with its result; it completes the case's open remediations and
    stops their clocks."""
    now = utcnow()  # one moment for the whole unit of work
    remediations.complete_with_visit(ticket, actor, visited_on=visited_on, way=way, result=result,
                                     satisfied=satisfied, now=now)
    save(ticket, now)


def convene_ticket(ticket, actor, *, meeting_ref, starts_at, subject, place, now):
    """召开会办 for one ticket of a meeting: the same guard as every verb, then `convened`. The enterprise reads
    only that a meeting is arranged for its case, and on which day: not that it was held (it has not been yet),
    and not the subject or place, which may concern other companies' tickets and stay internal. Staged, not
    committed: the meeting commits once for all its tickets."""
    _check(ticket, actor, "convene", None)
    resolution = next((c for c in ticket.clocks if c.running and c.kind == ClockKind.RESOLUTION.value), None)
    before = (resolution.amount, resolution.due_at) if resolution is not None else None
    _move(ticket, actor, EventKind.CONVENED, workflow.target("convene"), now=now, public=True,
          data={"meeting": meeting_ref}, **system_text("convened_public", d=local(starts_at, "%Y-%m-%d")))
    tell.meeting_arranged(ticket, starts_at, now)
    record_event(ticket, actor, EventKind.NOTED, at=now, data={"meeting": subject},
                 **system_text("convened_internal", s=subject, w=local(starts_at), p=place))
    stage(ticket, now)
    if resolution is not None and (resolution.amount, resolution.due_at) != before:
        # The convened budget replaces the ordinary one, counted from the clock's original start.
        record_event(ticket, actor, EventKind.SLA_RECOMPUTED, at=now, data={"due": [before[1], resolution.due_at]},
                     **system_text("convened_budget", n=resolution.amount, start=local(resolution.started_at)))


def decide_ticket_plan(ticket, actor, *, meeting_ref, conclusion, now):
    """形成办理方案 for one ticket of a meeting: back to processing, with this ticket's own conclusion when its
    enterprise has not read it yet; otherwise (or when there is none) a plain sentence. Staged, not committed."""
    _check(ticket, actor, "plan", None)
    _move(ticket, actor, EventKind.PLAN_DECIDED, workflow.target("plan"), now=now, public=True,
          body=conclusion or _("会办已形成办理方案，诉求恢复办理。"), data={"meeting": meeting_ref})
    stage(ticket, now)


def set_sms_preference(ticket, opted_out: bool) -> bool:
    """The enterprise, on the tracking page of one of its cases, stops SMS about its cases (or takes them back);
    email still goes. Recorded on that case (internal). Whether anything changed."""
    enterprise = ticket.enterprise
    if enterprise.sms_opt_out == bool(opted_out):
        return False
    now = utcnow()
    enterprise.sms_opt_out = bool(opted_out)
    record_event(ticket, None, EventKind.SMS_PREFERENCE, at=now,
                 **system_text("sms_opted_out" if opted_out else "sms_opted_in"))
    commit()
    return True


LINK_RESEND_PAUSE = timedelta(minutes=5)  # a second press within this is refused: the first SMS is on its way


def send_tracking_link(ticket, actor):
    """短信发送查询链接: for a case heard on a visit, a call, 12345 or at the window, the secretary sends the
    enterprise its link by SMS instead of reading a code aloud. Queued through the outbox (08:00–21:00) and
    recorded on the case."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "send_link", None)
    mobile = tell.case_mobile(ticket)
    if not mobile:
        raise ValidationFailed(_("该诉求没有可以接收短信的手机号码。"))
    if ticket.enterprise.sms_opt_out:
        raise TransitionRefused(_("该企业已退订短信通知，未发送。如企业要求接收，请先在企业页面恢复短信通知。"))
    recent = db.session.scalar(select(Notification.id).where(
        Notification.ticket_id == ticket.id, Notification.kind == "tracking_link",
        Notification.created_at > now - LINK_RESEND_PAUSE))
    if recent is not None:
        raise TransitionRefused(_("5 分钟内已发送过查询链接短信，请勿重复发送。"))
    tell.tracking_link(ticket, now)
    record_event(ticket, actor, EventKind.LINK_SENT, at=now, data={"mobile": mobile},
                 body=_("已向 %(m)s 发送查询链接短信。", m=mobile))
    commit()


# The verb behind each action of the ticket page's list (app/tickets/workflow.py): the view calls
# VERBS[action](ticket, actor, **form.verb_kwargs()).
VERBS = {
    "accept": accept_ticket, "reject": reject_ticket, "reply": reply_to_enterprise, "note": add_note,
    "dispatch": dispatch_ticket, "sign": sign_assignment, "return": return_assignment, "progress": report_progress,
    "hold": hold_ticket, "resume": resume_ticket, "resolve": resolve_ticket, "reopen": reopen_ticket,
    "close": close_ticket, "edit": edit_ticket, "platform_return": return_to_platform,
}
