"""Whose queue a case is in. A case goes to its enterprise's 联系秘书 (copied onto the case when it arrives);
the open cases of enterprises without one form the shared pool (公共池), which every secretary sees and takes
from. A secretary may also take over a colleague's case they can see (an intake case, or one of an enterprise
now in their care); each take is an event on the case."""
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from app.enums import OPEN_STATES, ClockKind, EventKind
from app.extensions import db
from app.journal import record_event
from app.models import Ticket, User


def pool_filter():
    """A SQL condition selecting the pool: open cases nobody is responsible for."""
    return and_(Ticket.secretary_id.is_(None), Ticket.state.in_(OPEN_STATES))


def pool_count(user) -> int | None:
    """How many cases wait in the pool, for the secretaries and supervisors who work it (None for others)."""
    if user is None or not user.is_authenticated or not (user.is_secretary or user.is_supervisor):
        return None
    return db.session.scalar(pool_count_query())


def pool_count_query():
    """The pool's count as a select(), for the menu's one statement (app/menu.py)."""
    return select(func.count(Ticket.id)).where(pool_filter())


def take_note(ticket) -> str:
    """What taking this case means, as the event says it: from the pool or from a named colleague."""
    if ticket.secretary_id is None:
        return _("从公共池领取")
    holder = db.session.get(User, ticket.secretary_id)
    return _("从 %(name)s 处接手", name=holder.display_name if holder else "—")


SECRETARY_CLOCKS = (ClockKind.ACKNOWLEDGE.value, ClockKind.FIRST_REPLY.value, ClockKind.RESOLUTION.value)


def keep_decided_clocks(ticket, now) -> None:
    """Before a case changes hands: its secretary's deadlines already met or missed stay with the secretary who
    held it (the assessment counts them for her, or for nobody when it was in the pool); the ones still running
    in time follow the case to its new secretary."""
    for clock in ticket.clocks:
        if clock.kind not in SECRETARY_CLOCKS or clock.holder_fixed or clock.due_at is None:
            continue
        decided = min(clock.stopped_at or clock.due_at, clock.due_at)
        if decided <= now:
            clock.holder_fixed, clock.holder_id = True, ticket.secretary_id


def take_over(ticket, actor, now):
    """Make `actor` the case's secretary and record from whom (within the caller's unit of work)."""
    before = db.session.get(User, ticket.secretary_id) if ticket.secretary_id else None
    keep_decided_clocks(ticket, now)
    body = take_note(ticket)
    ticket.secretary_id = actor.id
    ticket.updated_at = now
    return record_event(ticket, actor, EventKind.ASSIGNED, at=now, body=body,
                        data={"secretary": [before.display_name if before else None, actor.display_name]})


def hand_to(ticket, actor, secretary, now):
    """Route a case to `secretary` (None: to the pool) when its enterprise's 联系秘书 changes."""
    before = db.session.get(User, ticket.secretary_id) if ticket.secretary_id else None
    keep_decided_clocks(ticket, now)
    ticket.secretary_id = secretary.id if secretary else None
    ticket.updated_at = now
    body = (_("随企业联系秘书变更转给 %(name)s", name=secretary.display_name) if secretary
            else _("企业暂无联系秘书，转入公共池"))
    record_event(ticket, actor, EventKind.ASSIGNED, at=now, body=body,
                 data={"secretary": [before.display_name if before else None,
                                     secretary.display_name if secretary else None]})
