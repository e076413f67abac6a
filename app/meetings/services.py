"""会办 verbs: convene a meeting for one or more tickets, confirm attendance, record minutes and decisions,
track action items (each an SLA clock), and return the tickets to processing once a plan is decided."""
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import select

from app.timesource import utcnow
from app.supervision import notify
from app.deadlines.engine import reconcile
from app.enums import ActionItemStatus, EventKind, MeetingStatus, Role, TicketState as S
from app.errors import NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.text import clean_text
from app.models import ActionItem, Department, Meeting, MeetingGuest, MeetingInvite
from app.tickets import access, workflow
from app.journal import commit, record_event
from app.messaging import tell
from app.tickets.services import convene_ticket, decide_ticket_plan
from sla.calendar import SHANGHAI

MAX_GUESTS = 10


def can_manage(user, meeting) -> bool:
    """Secretaries and supervisors who may act on the meeting's tickets run the meeting."""
    return user.has_role(Role.SECRETARY, Role.SUPERVISOR) and all(access.can_view(user, t) for t in meeting.tickets)


def can_view(user, meeting) -> bool:
    """Managers, supervisors and admins, and officers of an invited or owning department."""
    if user.has_role(Role.SUPERVISOR, Role.ADMIN) or can_manage(user, meeting):
        return True
    if user.is_officer:
        return any(i.department_id == user.department_id for i in meeting.invites) or any(
            a.owner_department_id == user.department_id for a in meeting.action_items)
    return False


def convene_meeting(actor, tickets, *, subject, starts_at: datetime, place, agenda, lead_department_id,
                    support_department_ids=(), guests=()):
    """召开会办: one meeting for related tickets; each goes to `convened` and the departments are invited."""
    if not tickets:
        raise ValidationFailed(_("请选择要会办的诉求。"))
    for ticket in tickets:
        if not access.can(actor, "convene", ticket):
            raise NotAllowed(_("您没有权限为诉求 %(n)s 召开会办。", n=ticket.number))
        workflow.require("convene", ticket.state)
    now = utcnow()  # one moment for the whole unit of work
    earliest, latest = datetime(2000, 1, 1, tzinfo=timezone.utc), now + timedelta(days=366 * 2)
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None or not earliest <= starts_at <= latest:
        raise ValidationFailed(_("会议时间应在 2000 年至今后两年之间。"))
    subject = clean_text(subject, _("会议主题"), 200, single_line=True)
    place = clean_text(place, _("会议地点"), 200, single_line=True)
    agenda = clean_text(agenda, _("会议议程"), 5000, required=False)
    ids = [lead_department_id, *[i for i in support_department_ids if i != lead_department_id]]
    departments = {d.id: d for d in db.session.scalars(select(Department).where(
        Department.id.in_(ids), Department.is_active.is_(True)))}
    if lead_department_id not in departments or len(departments) != len(set(ids)):
        raise ValidationFailed(_("请选择有效的参会部门。"))
    guests = [(u.strip()[:120], c.strip()[:120]) for u, c in guests if u and u.strip()][:MAX_GUESTS]
    meeting = Meeting(subject=subject, starts_at=starts_at, place=place, agenda=agenda, convened_by_id=actor.id,
                      created_at=now, tickets=list(tickets))
    db.session.add(meeting)
    for dep_id in dict.fromkeys(ids):
        db.session.add(MeetingInvite(meeting=meeting, department_id=dep_id,
                                     role="lead" if dep_id == lead_department_id else "support"))
    for unit, contact in guests:
        db.session.add(MeetingGuest(meeting=meeting, unit=unit, contact=contact))
    db.session.flush()  # the meeting's id names it on the tickets' events
    for ticket in tickets:
        convene_ticket(ticket, actor, meeting_ref=meeting_ref(meeting), starts_at=starts_at, subject=subject,
                       place=place, now=now)
    notify.queue(notify.officers_of(list(departments)), kind="meeting", title=f"【会办通知】{subject}"[:200],
                 body=f"{local_time(meeting)} {place}\n{agenda}", ticket=tickets[0], now=now)
    commit()
    return meeting


def confirm_attendance(actor, meeting):
    """An invited department confirms it will attend."""
    invite = next((i for i in meeting.invites if actor.is_officer and i.department_id == actor.department_id), None)
    if invite is None:
        raise NotAllowed(_("您的部门未被邀请参加此次会办。"))
    if invite.confirmed_at is not None:
        raise TransitionRefused(_("已确认参会。"))
    invite.confirmed_at, invite.confirmed_by_id = utcnow(), actor.id
    commit()


def local_time(meeting) -> str:
    """The meeting's time as people read it: Beijing time, to the minute."""
    return meeting.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def require_started(meeting, now):
    """A meeting is held only at or after its time: before it, nothing can be recorded as decided there."""
    if now < meeting.starts_at:
        raise TransitionRefused(_("会议定于 %(w)s 召开，开始后才能填写纪要。", w=local_time(meeting)))


def meeting_ref(meeting) -> str:
    """How a ticket's events name the meeting: its number, never its subject (that may name other companies)."""
    return f"#{meeting.id}"


def per_ticket(meeting) -> bool:
    """A meeting about several tickets gives each its own conclusion: no company reads another's matter."""
    return len(meeting.tickets) > 1


def _published(meeting) -> dict:
    """Each ticket's conclusion as its enterprise last read it on its timeline: {ticket id: text}."""
    ref, found = meeting_ref(meeting), {}
    for ticket in meeting.tickets:
        for event in ticket.events:
            if event.kind == EventKind.MEETING_HELD.value and event.is_public and event.details.get("meeting") == ref:
                found[ticket.id] = event.body
    return found


def conclusions(meeting) -> dict:
    """Each ticket's conclusion from this meeting, as the enterprise last read it: {ticket id: text}."""
    found = _published(meeting)
    if not per_ticket(meeting) and meeting.minutes_public:
        found = {ticket.id: found.get(ticket.id, meeting.minutes_public) for ticket in meeting.tickets}
    return found


def record_minutes(actor, meeting, minutes_internal, minutes_public="", ticket_conclusions=None):
    """会议纪要: the internal minutes, and the conclusion the enterprise reads on its tracking page.

    A meeting about one ticket has one conclusion (`minutes_public`). A meeting about several tickets has one
    conclusion per ticket (`ticket_conclusions`, {ticket id: text}), each written on its own ticket only; the
    meeting-wide `minutes_public` is then not used, so nothing meant for one company reaches another."""
    if not can_manage(actor, meeting):
        raise NotAllowed(_("只有召集会办的项目秘书或督办人员可以填写纪要。"))
    now = utcnow()
    require_started(meeting, now)
    internal = clean_text(minutes_internal, _("会议纪要"), 10000)
    if per_ticket(meeting):
        given = ticket_conclusions or {}
        texts = {t.id: clean_text(given.get(t.id), _("诉求 %(n)s 的会办结论", n=t.number), 5000)
                 for t in meeting.tickets}
        public = ""
    else:
        public = clean_text(minutes_public, _("对企业公开的会办结论"), 5000)
        texts = {t.id: public for t in meeting.tickets}
    earlier = conclusions(meeting) if meeting.status == MeetingStatus.HELD else {}
    meeting.minutes_internal, meeting.minutes_public = internal, public
    meeting.status, meeting.held_at = MeetingStatus.HELD, meeting.held_at or now
    for ticket in meeting.tickets:
        if ticket.id in earlier and earlier[ticket.id] == texts[ticket.id]:
            continue  # the enterprise already reads this conclusion
        data = {"meeting": meeting_ref(meeting)}
        if ticket.id in earlier:
            data["edited"] = "是"
        else:  # the enterprise is told once, when its conclusion first appears (a correction is not news)
            tell.meeting_concluded(ticket, now)
        record_event(ticket, actor, EventKind.MEETING_HELD, at=now, body=texts[ticket.id], public=True, data=data)
    commit()


def add_action_item(actor, meeting, ticket_id, title, owner_department_id, working_days):
    """A decided task with an owner department and a due date in working days (swept like any clock)."""
    if not can_manage(actor, meeting):
        raise NotAllowed(_("只有召集会办的项目秘书或督办人员可以布置会办事项。"))
    ticket = next((t for t in meeting.tickets if t.id == ticket_id), None)
    if ticket is None:
        raise ValidationFailed(_("请选择本次会办涉及的诉求。"))
    if not S(ticket.state).is_open:
        raise TransitionRefused(_("诉求已办结，不能再布置会办事项。"))
    title = clean_text(title, _("事项内容"), 300, single_line=True)
    department = db.session.get(Department, owner_department_id) if owner_department_id else None
    if department is None or not department.is_active:
        raise ValidationFailed(_("请选择责任部门。"))
    if not isinstance(working_days, int) or not 1 <= working_days <= 60:
        raise ValidationFailed(_("办理时限应为 1–60 个工作日。"))
    now = utcnow()
    item = ActionItem(meeting=meeting, ticket=ticket, title=title, owner_department=department,
                      working_days=working_days, created_at=now)
    db.session.add(item)
    record_event(ticket, actor, EventKind.ACTION_ADDED, at=now, body=title,
                 data={"owner": department.name, "days": working_days})
    reconcile(ticket, now)
    notify.queue(notify.officers_of([department.id]), kind="action_item", title=f"【会办事项】{title}"[:200],
                 body=_("请在 %(n)d 个工作日内完成。", n=working_days), ticket=ticket, now=now)
    commit()
    return item


def complete_action_item(actor, item, note=""):
    """The owner department (or the meeting's secretary) marks an action item done; its clock stops."""
    if item.status != ActionItemStatus.OPEN:
        raise TransitionRefused(_("该事项已完成。"))
    owner = actor.is_officer and actor.department_id == item.owner_department_id
    if not (owner or can_manage(actor, item.meeting)):
        raise NotAllowed(_("只有责任部门或会办召集人可以办结该事项。"))
    note = clean_text(note, _("完成情况"), 2000, required=False)
    now = utcnow()
    item.status, item.done_at, item.done_by_id, item.done_note = ActionItemStatus.DONE, now, actor.id, note
    record_event(item.ticket, actor, EventKind.ACTION_DONE, at=now, body=note or item.title,
                 data={"owner": item.owner_label})
    reconcile(item.ticket, now)
    commit()


def decide_plan(actor, meeting):
    """形成办理方案: after the minutes, the meeting's tickets go back to processing with the plan."""
    if not can_manage(actor, meeting):
        raise NotAllowed(_("只有召集会办的项目秘书或督办人员可以确定办理方案。"))
    if meeting.status != MeetingStatus.HELD:
        raise TransitionRefused(_("请先填写会议纪要，再确定办理方案。"))
    now = utcnow()
    moved = 0
    texts, published = conclusions(meeting), _published(meeting)
    for ticket in meeting.tickets:
        if ticket.state != S.CONVENED.value:
            continue
        # The enterprise reads a conclusion once: the plan repeats it only where the minutes never showed it.
        conclusion = None if ticket.id in published else texts.get(ticket.id)
        decide_ticket_plan(ticket, actor, meeting_ref=meeting_ref(meeting), conclusion=conclusion, now=now)
        moved += 1
    if moved == 0:
        raise TransitionRefused(_("本次会办涉及的诉求都已不在会办中。"))
    meeting.plan_decided_at = now
    commit()
    return moved
