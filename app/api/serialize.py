"""Rows as the API writes them: plain dicts shaped like app/api/schemas.py, read through the same helpers as the
pages (labels from app/enums.py, deadline text and explanation from app/display.py and the deadline engine)."""
from flask_babel import gettext as _

from app.deadlines.calendar import is_provisional
from app.deadlines.engine import explained_status
from app.display import clock_label, due_text, lateness_text, local
from app.enums import CLOCK_NOT_NEEDED, Channel, EventKind, ExtensionStatus, SlaLevel, TicketState


def _ref(obj, name_attr="name"):
    return {"id": obj.id, "name": getattr(obj, name_attr)} if obj is not None else None


def ticket_summary(ticket) -> dict:
    """A ticket as a list row."""
    return {
        "id": ticket.id, "number": ticket.number, "title": ticket.title, "state": str(ticket.state),
        "state_label": TicketState(ticket.state).label, "channel": ticket.channel,
        "channel_label": Channel(ticket.channel).label, "urgency": ticket.urgency,
        "category": _ref(ticket.category),
        "enterprise": {"id": ticket.enterprise.id, "name": ticket.enterprise.name,
                       "credit_code": ticket.enterprise.credit_code},
        "secretary": _ref(ticket.secretary, "display_name"),
        "departments": [{"id": a.department_id, "name": a.department.name, "role": str(a.role),
                         "status": str(a.status)} for a in ticket.active_assignments],
        "created_at": ticket.created_at, "updated_at": ticket.updated_at, "due_at": ticket.due_at,
        "sla_level": str(ticket.sla_level), "version": ticket.version,
    }


def _event(event) -> dict:
    kind = EventKind.get(event.kind)
    return {"id": event.id, "at": event.at, "kind": event.kind, "kind_label": kind.label if kind else event.kind,
            "actor": event.actor_name, "from_state": event.from_state, "to_state": event.to_state,
            "body": event.body or "", "public": bool(event.is_public), "data": event.details}


def ticket_detail(ticket, actions) -> dict:
    """A ticket with its facts, every event (public and internal) and the actions the caller may take now."""
    row = ticket_summary(ticket)
    row.update({
        "description": ticket.description, "contact_name": ticket.contact_name or "",
        "contact_mobile": ticket.contact_mobile or "", "contact_email": ticket.contact_email or "",
        "outcome": ticket.outcome or "", "accepted_at": ticket.accepted_at, "first_replied_at": ticket.first_replied_at,
        "dispatched_at": ticket.dispatched_at, "resolved_at": ticket.resolved_at, "closed_at": ticket.closed_at,
        "events": [_event(e) for e in ticket.events], "actions": list(actions),
    })
    return row


def _outcome(clock, status):
    if clock.running:
        return None
    if clock.outcome == CLOCK_NOT_NEEDED:
        return "not_needed"
    return "late" if status.breached else "on_time"


def explanation(clock, status, now) -> list[str]:
    """时限说明: the ticket page's explanation of one clock, line by line, in the same words."""
    lines = [_("自 %(start)s 起计时，标准为", start=local(clock.started_at)) + (
        _("%(n)d 小时（自然时间，节假日照常计算）", n=clock.amount) if clock.unit == "hours" else
        _("%(n)d 个工作日：到第 %(n)d 个工作日结束时截止，开始当天不计，周末和法定节假日不计，调休上班日计入。",
          n=clock.amount))]
    if clock.convened:
        lines.append(_("会办件：办结时限按会办标准计算（%(n)d 个工作日），自最初开始计时起算；形成办理方案后恢复办理也不变。",
                       n=clock.amount))
    for e in clock.extensions:
        if e.status == ExtensionStatus.APPROVED and not e.due_after:
            lines.append(_("批准延期 %(d)d 个工作日：%(r)s", d=e.days, r=e.reason))
        elif e.status == ExtensionStatus.APPROVED:
            lines.append(_("%(who)s 于 %(at)s 批准延期：到期时间由 %(old)s 改为 %(new)s", who=e.decided_by.display_name,
                           at=local(e.decided_at), old=due_text(e.due_before) or "—", new=due_text(e.due_after))
                         + "。" + _("理由：%(r)s", r=e.reason))
    for seg in (status.plan if status.due_at else status.segments):
        span = f"{local(seg.start, '%m-%d %H:%M')} – {local(seg.end, '%m-%d %H:%M')}"
        if seg.counted:
            lines.append(f"{span} {_('计时')}" + (f"（{seg.label}）" if seg.label else ""))
        else:
            lines.append(f"{span} {_('不计时')}：{seg.label}")
    if status.due_at:
        line = _("由此到期：%(due)s。", due=due_text(status.due_at))
        late = lateness_text(clock.unit, status.due_at, clock.stopped_at or now)
        if late:
            line += _("到期后已过 %(t)s。", t=late)
        lines.append(line)
    if clock.outcome == CLOCK_NOT_NEEDED:
        lines.append(_("诉求办结（或部门任务撤回）时该部门尚未签收，签收不再需要；此前已超过签收时限，仍计为超时签收。")
                     if status.breached else
                     _("诉求办结（或部门任务撤回）时该部门尚未签收，签收不再需要：不算超时，也不计入及时签收率。"))
    return lines


def deadlines(ticket, now) -> dict:
    """Every clock of the ticket, running ones first, with due time, level and explanation."""
    ordered = sorted(ticket.clocks, key=lambda c: (not c.running, -c.started_at.timestamp(), -c.id))
    clocks = []
    for clock in ordered:
        status = explained_status(clock, now)
        level = SlaLevel(clock.level)
        clocks.append({
            "id": clock.id, "kind": clock.kind, "label": clock_label(clock), "unit": clock.unit,
            "amount": clock.amount, "started_at": clock.started_at, "stopped_at": clock.stopped_at,
            "due_at": status.due_at, "due_text": due_text(status.due_at) if status.due_at else _("暂停中"),
            "provisional": bool(status.due_at and is_provisional(status.due_at)), "running": bool(clock.running),
            "paused": bool(status.paused), "level": level.value, "level_label": level.label,
            "outcome": _outcome(clock, status), "explanation": explanation(clock, status, now),
        })
    return {"ticket_id": ticket.id, "supervised": ticket.supervised_at is not None, "clocks": clocks}


def enterprise(row) -> dict:
    """An enterprise as the API lists it (its contact stays on the staff pages)."""
    return {"id": row.id, "name": row.name, "credit_code": row.credit_code, "park": row.park or "",
            "industry": row.industry or "", "secretary": _ref(row.secretary, "display_name")}


def unit_result(unit: dict) -> dict:
    """One unit of a published month's ranking."""
    return {"unit_id": unit["unit_id"], "name": unit["name"], "volume": unit.get("volume", 0),
            "score": unit.get("score"), "rank": unit.get("rank"), "status": unit.get("status", ""),
            "gold": bool(unit.get("gold")),
            "figures": [{"metric": key, "counted": f.get("counted", 0), "rate": f.get("rate"),
                         "points": f.get("points")} for key, f in (unit.get("figures") or {}).items()]}
