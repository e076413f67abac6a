"""Who may see and do what with a ticket. Every list, count, page and fragment goes through here."""
from flask import g
from sqlalchemy import and_, any_, false, func, or_, select, true, union, union_all

from app.enums import ACTIVE_ASSIGNMENT, OPEN_STATES, AssignmentStatus, Channel, Role, TicketState
from app.extensions import db
from app.models import ActionItem, Assignment, Enterprise, MeetingInvite, Ticket, meeting_ticket
from app.tickets import workflow


def visible_filter(user):
    """A SQL condition selecting the tickets `user` may see."""
    if user is None or not user.is_authenticated:
        return false()
    if user.has_role(Role.SUPERVISOR, Role.ADMIN):
        return true()
    # IN (small subquery) rather than a correlated EXISTS: both planners hash it once per query.
    # A secretary sees every intake case (the front desk), the shared pool (open cases nobody is responsible
    # for, to take one), their own cases and those of the enterprises in their care; not a colleague's case in
    # progress.
    if user.is_secretary:
        # All of it is in _secretary_parts: her list filtered to a department uses the same parts as a set of ids
        # (secretary_case_ids) instead of this condition.
        return or_(*_secretary_parts(user))
    if user.is_officer and user.department_id:
        # Dispatched to the department, or the department sits in a meeting on it or owns one of its action items.
        sets = _department_sets(user.department_id)
        if db.engine.dialect.name == "sqlite":
            return _department_cases_on_sqlite(user.department_id, sets)
        return or_(*(Ticket.id.in_(cases) for cases in sets))  # each hashed once by PostgreSQL
    return false()


def companies_cases(user, *, probed=True):
    """The cases of the enterprises in a secretary's care, as a condition on the ticket. `probed`: found by probing
    an index once per company, for a part read on its own."""
    own_enterprises = select(Enterprise.id).where(Enterprise.secretary_id == user.id)
    if probed and db.engine.dialect.name == "postgresql":
        # As an array PostgreSQL probes (enterprise_id, state) for each of her 500 companies; as IN (subquery) it
        # hashed them and read every case in the state to match them (43,262 for 已派发: 8 -> 2 ms).
        return Ticket.enterprise_id == any_(func.array(own_enterprises.scalar_subquery()))
    return Ticket.enterprise_id.in_(own_enterprises)


def _secretary_parts(user, *, probed=False):
    """What a secretary sees, part by part: every intake case, her own, her companies', the open cases of nobody."""
    return (Ticket.state == TicketState.INTAKE.value, Ticket.secretary_id == user.id,
            companies_cases(user, probed=probed), and_(Ticket.secretary_id.is_(None), Ticket.state.in_(OPEN_STATES)))


def secretary_parts(user):
    """The parts of `visible_filter`'s OR for a secretary, each shaped to be read on its own."""
    # A narrowed list counted part by part reads each part as an index range, instead of testing every case in the
    # range against all four.
    return _secretary_parts(user, probed=True)


def secretary_case_ids(user, *, distinct=True):
    """The ids of the tickets a secretary may see (as `visible_filter`), one select() read from indexes alone: to
    intersect with another such set (`distinct=False` repeats a case in two parts, which INTERSECT drops anyway)."""
    return (union if distinct else union_all)(*(select(Ticket.id).where(part) for part in _secretary_parts(user)))


def department_case_ids(department_id):
    """The ids of a department's cases, each once, read from indexes alone (every one is a case: a count of them
    needs no look-up in the ticket table)."""
    return union(*_department_sets(department_id))


def department_case_count(department_id, cap: int) -> int:
    """How many cases the department has, counted up to `cap` + 1 (past the cap the list says "more than")."""
    # Its dispatched cases alone, each once from (department_id, ticket_id) in order, stop at the cap; only a
    # department with fewer is counted as the union of its three sets, which is read and de-duplicated whole (a
    # department's 36,000 cases at 1,000,000: 16 ms on SQLite, 20 on PostgreSQL -> 1-4 ms).
    dispatched = select(Assignment.ticket_id).where(Assignment.department_id == department_id).distinct()
    count = db.session.scalar(select(func.count()).select_from(dispatched.limit(cap + 1).subquery()))
    if count > cap:
        return count
    every = department_case_ids(department_id)
    return db.session.scalar(select(func.count()).select_from(every.limit(cap + 1).subquery()))


def _department_sets(department_id):
    """The department's cases, three ways: dispatched to it, on a meeting it is invited to, with its action item."""
    return (select(Assignment.ticket_id).where(Assignment.department_id == department_id),
            select(meeting_ticket.c.ticket_id).join(
                MeetingInvite, MeetingInvite.meeting_id == meeting_ticket.c.meeting_id).where(
                MeetingInvite.department_id == department_id),
            select(ActionItem.ticket_id).where(ActionItem.owner_department_id == department_id))


WALK_FROM = 5_000  # a department with more cases than this is matched while walking a list's order on SQLite


def _department_cases_on_sqlite(department_id, sets):
    """The department's cases as one set. Three INs joined by OR made SQLite look up every one of a department's
    36,000 cases by id and sort them for a page of 50 (149 ms at 1,000,000 cases). One set built from the indexes
    alone, probed while walking the list's own order (`id + 0`: no look-up by id), finds a page in 17 ms, and a
    narrowed count walks its filter's index (63 -> 9 ms for the processing cases); a small department's cases are
    fewer to look up than a walk would pass, so they are looked up."""
    cases = union_all(*sets)
    sizes = g.setdefault("_jj_department_cases", {})
    if department_id not in sizes:
        # Only whether it passes WALK_FROM matters: counted that far (a department's 36,000: 7 -> 0.5 ms).
        sizes[department_id] = db.session.scalar(select(func.count()).select_from(cases.limit(WALK_FROM + 1)
                                                                                  .subquery()))
    return ((Ticket.id + 0) if sizes[department_id] > WALK_FROM else Ticket.id).in_(cases)


def visible_tickets(user):
    """A select() of the tickets `user` may see."""
    return select(Ticket).where(visible_filter(user))


def can_view(user, ticket) -> bool:
    """Whether `user` may open this ticket."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_role(Role.SUPERVISOR, Role.ADMIN):
        return True
    if user.is_secretary:
        return (ticket.state == TicketState.INTAKE.value or ticket.secretary_id == user.id
                or ticket.enterprise.secretary_id == user.id
                or (ticket.secretary_id is None and ticket.state in OPEN_STATES))
    if user.is_officer:
        dept = user.department_id
        return (any(a.department_id == dept for a in ticket.assignments)
                or any(i.department_id == dept for m in ticket.meetings for i in m.invites)
                or any(item.owner_department_id == dept for item in ticket.action_items))
    return False


def can_take(user, ticket) -> bool:
    """Whether a secretary may take this open case into their own care: from the pool, or from a colleague
    whose case they can see."""
    return (user is not None and user.is_authenticated and user.is_secretary and ticket.secretary_id != user.id
            and ticket.state in OPEN_STATES and can_view(user, ticket))


def department_assignment(user, ticket, statuses=tuple(ACTIVE_ASSIGNMENT)):
    """The officer's department's assignment on this ticket in one of `statuses`, if any."""
    if not user.is_officer:
        return None
    return next((a for a in ticket.assignments
                 if a.department_id == user.department_id and a.status in statuses), None)


def can(user, action: str, ticket) -> bool:
    """Whether the role of `user` lets them do `action` on `ticket`, by the workflow table's "who" (the state is
    checked elsewhere)."""
    spec = workflow.ACTIONS.get(action)
    if spec is None or not can_view(user, ticket):
        return False
    if spec.who == workflow.ANY_STAFF_BUT_ADMIN:
        return not user.is_admin
    if spec.who in (workflow.STAFF, workflow.HOTLINE_STAFF):
        if spec.who == workflow.HOTLINE_STAFF and ticket.channel != Channel.HOTLINE.value:
            return False
        # A secretary works her own cases; a pool case or a colleague's she first takes (accepting takes it too),
        # so that every case she works is hers and nobody's work is left without an owner.
        return user.is_supervisor or (user.is_secretary and (ticket.secretary_id == user.id or action == "accept"))
    if spec.who == workflow.SUPERVISOR:
        return user.is_supervisor
    if spec.who == workflow.DEPARTMENT_PENDING:
        return department_assignment(user, ticket, (AssignmentStatus.PENDING.value,)) is not None
    if spec.who == workflow.DEPARTMENT_ACTIVE:
        return department_assignment(user, ticket) is not None
    if spec.who == workflow.DEPARTMENT_SIGNED:
        return department_assignment(user, ticket, (AssignmentStatus.SIGNED.value,)) is not None
    return False  # enterprise actions are not staff's
