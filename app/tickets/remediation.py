"""差评整改: a 不满意 or 非常不满意 rating opens a remediation with its own clock (ClockKind.REMEDIATION, counted,
swept, warned and escalated like every other clock); the secretary's return visit (回访), with its result, completes
it and stops the clock."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.display import system_text
from app.enums import BAD_SATISFACTION, ClockKind, EventKind, ReturnVisitWay
from app.errors import NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.journal import record_event
from app.models import Remediation, ReturnVisit, Ticket, TicketClock
from app.text import clean_text
from app.tickets import access
from sla.calendar import SHANGHAI

RESULT_MAX = 2000
SYSTEM = "系统"  # the actor of what the centre's rules do by themselves, as in the sweep's history entries


def is_bad(satisfaction) -> bool:
    """Whether a satisfaction level is a 差评 (不满意 or 非常不满意)."""
    return str(satisfaction) in BAD_SATISFACTION


def open_remediation(ticket, rating, now) -> Remediation:
    """Open the remediation of one bad rating; the caller's `stage` starts its clock. Staged, not committed."""
    remediation = Remediation(ticket=ticket, rating=rating, opened_at=now)
    db.session.add(remediation)
    return remediation


def announce_remediation(ticket, remediation, now) -> None:
    """Tell the enterprise (and the history) that its 差评 will be remediated and by when: called once the clock
    has been started, so the due time is the engine's."""
    clock = next((c for c in ticket.clocks if c.kind == ClockKind.REMEDIATION.value and c.remediation is remediation),
                 None)
    due = clock.due_at if clock is not None else None
    record_event(ticket, None, EventKind.REMEDIATION_OPENED, at=now, public=True, data={"due": due},
                 actor_name=SYSTEM,
                 **system_text("remediation_opened", sat=remediation.rating.satisfaction_enum.value, due=due))


def can_record_visit(user, ticket) -> bool:
    """Who records a return visit: the case's secretary (anyone who may see it as a secretary) or a supervisor."""
    return access.can_view(user, ticket) and (user.is_secretary or user.is_supervisor)


def _visit_day(value, opened_at, today: date) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ValidationFailed(_("请按“年-月-日”填写回访日期，例如 2026-10-20。")) from None
    opened = opened_at.astimezone(SHANGHAI).date()
    if day > today:
        raise ValidationFailed(_("回访日期不能晚于今天（%(d)s）。", d=today.isoformat()))
    if day < opened:
        raise ValidationFailed(_("回访日期不能早于企业差评的日期（%(d)s）。", d=opened.isoformat()))
    return day


def complete_with_visit(ticket, actor, *, visited_on, way, result, satisfied, now):
    """回访: record the return visit after a 差评 and its result; it completes every open remediation of the case
    (one visit answers the enterprise on its case), and the caller's `stage` stops their clocks. Staged, not
    committed; bad input raises before anything is written."""
    if not can_record_visit(actor, ticket):
        raise NotAllowed(_("只有本诉求的项目秘书或督办人员可以登记回访。"))
    open_ones = ticket.open_remediations
    if not open_ones:
        raise TransitionRefused(_("此诉求没有待回访的差评整改。请刷新页面查看最新情况。"))
    how = ReturnVisitWay.get(way)
    if how is None:
        raise ValidationFailed(_("请选择回访方式。"))
    if satisfied not in (True, False):
        raise ValidationFailed(_("请选择企业现在是否满意。"))
    today = now.astimezone(SHANGHAI).date()
    day = _visit_day(visited_on, min(r.opened_at for r in open_ones), today)
    result = clean_text(result, _("回访结果"), RESULT_MAX)
    visit = ReturnVisit(ticket_id=ticket.id, visited_on=day, way=how.value, result=result, satisfied=satisfied,
                        recorded_by_id=actor.id, recorded_at=now)
    db.session.add(visit)
    for remediation in open_ones:
        remediation.completed_at = now
        remediation.return_visit = visit
    ticket.updated_at = now
    verdict = _("满意") if satisfied else _("仍不满意")
    record_event(ticket, actor, EventKind.RETURN_VISITED, at=now, public=True,
                 data={"way": how.label, "visited_on": day.isoformat(), "satisfied_now": verdict, "result": result},
                 **system_text("return_visited", d=day.isoformat(), way=how.value))
    return visit



# ---- reads: the supervisors' list and the menu's count ----------------------------------------------------------

def open_count_query():
    """How many remediations wait for their return visit, as a select() (the supervisors' menu count over an index,
    read with the menu's others in one statement: app/menu.py)."""
    return select(func.count(Remediation.id)).where(Remediation.completed_at.is_(None))


def _loaded(query):
    return query.options(joinedload(Remediation.ticket).joinedload(Ticket.enterprise),
                         joinedload(Remediation.ticket).joinedload(Ticket.secretary),
                         joinedload(Remediation.rating), selectinload(Remediation.clocks),
                         joinedload(Remediation.return_visit).joinedload(ReturnVisit.recorded_by))


def open_list(limit=500) -> list:
    """Remediations still waiting for their return visit, the nearest deadline first (a clock on hold last)."""
    running = (select(TicketClock.remediation_id, TicketClock.due_at).where(
        TicketClock.kind == ClockKind.REMEDIATION.value, TicketClock.stopped_at.is_(None)).subquery())
    query = (select(Remediation).outerjoin(running, running.c.remediation_id == Remediation.id)
             .where(Remediation.completed_at.is_(None))
             .order_by(running.c.due_at.is_(None), running.c.due_at, Remediation.id).limit(limit))
    return db.session.scalars(_loaded(query)).unique().all()


def completed_since(since, limit=100) -> list:
    """Remediations completed by a return visit since `since`, the latest first."""
    query = (select(Remediation).where(Remediation.completed_at >= since)
             .order_by(Remediation.completed_at.desc(), Remediation.id.desc()).limit(limit))
    return db.session.scalars(_loaded(query)).unique().all()
