"""The overdue board's reads: late cases one row each (their late clocks inside), counted per tab, paged by case,
and the same cases by the department that answers for each late clock.

The counts (per tab, per department) and each department's late cases in deadline order are tallies over every
late running clock: tens of thousands at a large centre, 0.5-2 s to tally. The SLA worker keeps them (`keep_tallies`,
after every sweep, which is what raises a clock's level); pages read them, and the rows they list are always live.
With no fresh tally kept (a stopped worker), a page tallies them itself, at most once per BOARD_CACHE_SECONDS per
process."""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import and_, func, select, true, union_all
from sqlalchemy.orm import joinedload, selectinload

from app.enums import ACTIVE_ASSIGNMENT, AssignmentRole, ClockKind, SlaLevel
from app.extensions import db
from app import kept
from app.models import ActionItem, Assignment, Department, Ticket, TicketClock
from app.timesource import utcnow

LATE = (SlaLevel.OVERDUE.value, SlaLevel.SUPERVISED.value, SlaLevel.ESCALATED.value)
# Each tab and the levels of the running clocks it shows; "late" is every level past the deadline.
TABS = {"late": LATE, "warning": (SlaLevel.WARNING.value,), "overdue": (SlaLevel.OVERDUE.value,),
        "supervised": (SlaLevel.SUPERVISED.value,), "escalated": (SlaLevel.ESCALATED.value,)}


def tab_levels(tab: str) -> tuple:
    """The clock levels a tab shows (an unknown tab shows every late level)."""
    return TABS.get(tab, LATE)


def _running(levels, indexed=True):
    stopped = TicketClock.stopped_at if indexed else func.coalesce(TicketClock.stopped_at, None)
    return and_(stopped.is_(None), TicketClock.level.in_(levels))


def responsible_departments(condition, department_id=None, indexed=True):
    """(clock id, ticket id, department id) for every clock meeting `condition` that a department answers for: its
    own sign-off (the assignment's department), a meeting action item (the owner department), or a resolution
    clock of a case the department leads (its active lead assignment); only `department_id`'s when given. The
    condition sits inside each part, so only the running late clocks are read, never every clock ever started.
    `indexed` False for a handful of cases' clocks: "no assignment" and "this department's part" are then written so
    that no index serves them, since SQLite otherwise walked every clock without an assignment (millions) for the lead
    part, or every part of the department for its own (700 ms and 77 ms a page at 1,000,000 cases)."""
    own_dept = ((Assignment.department_id if indexed else func.coalesce(Assignment.department_id, 0)) == department_id
                if department_id else true())
    unassigned = (TicketClock.assignment_id if indexed else func.coalesce(TicketClock.assignment_id, None)).is_(None)
    item_dept = ActionItem.owner_department_id == department_id if department_id else true()
    own = select(TicketClock.id.label("clock_id"), TicketClock.ticket_id.label("ticket_id"),
                 Assignment.department_id.label("department_id")).join(
        Assignment, Assignment.id == TicketClock.assignment_id).where(condition, own_dept)
    item = select(TicketClock.id, TicketClock.ticket_id, ActionItem.owner_department_id).join(
        ActionItem, ActionItem.id == TicketClock.action_item_id).where(
        condition, ActionItem.owner_department_id.is_not(None), item_dept)
    lead = select(TicketClock.id, TicketClock.ticket_id, Assignment.department_id).join(
        Assignment, and_(Assignment.ticket_id == TicketClock.ticket_id, Assignment.role == AssignmentRole.LEAD.value,
                         Assignment.status.in_(ACTIVE_ASSIGNMENT))).where(
        condition, TicketClock.kind == ClockKind.RESOLUTION.value, unassigned, own_dept)
    return union_all(own, item, lead).subquery()


def _clock_filter(levels, department_id, within=None):
    """Running clocks at `levels` (that `department_id` answers for, when given), of the cases `within` when given.
    For a page's cases, "running" is written as an expression no index serves: SQLite's statistics take
    "stopped_at IS NULL" for a rare value (its NULLs count as distinct values) and walked every late running clock
    instead of the handful of these cases' (390 ms at 1,000,000)."""
    condition = _running(levels, indexed=within is None)
    if within is not None:
        condition = and_(condition, TicketClock.ticket_id.in_(within))
    if department_id:
        resp = responsible_departments(condition, department_id, indexed=within is None)
        condition = and_(condition, TicketClock.id.in_(select(resp.c.clock_id)))
    return condition


KEPT_KEY = "board"  # the tabs' and departments' counts, as the SLA worker last kept them (app/kept.py)
DEPARTMENT_KEY = "board:d{}"  # beside them, each department's late clocks in deadline order, to page through


def keep_tallies(now) -> dict:
    """Tally the board's counts and every department's late clocks and store them for all web workers (the SLA
    worker, after each sweep). Returns the counts."""
    def compute():
        per_department = {}
        for department_id, ticket_id, level in db.session.execute(_department_clock_rows()):
            per_department.setdefault(department_id, []).append([ticket_id, level])
        departments = [[d, len({t for t, _ in rows}), len(rows)] for d, rows in per_department.items()]
        return {"tabs": _tab_counts(), "departments": departments}, per_department

    counts, per_department = kept.tally(compute)
    kept.store(now, {KEPT_KEY: counts, **{DEPARTMENT_KEY.format(d): rows for d, rows in per_department.items()}},
               prefix=DEPARTMENT_KEY.format(""))
    return counts


def _department_clock_rows():
    """(department id, ticket id, level) of every late running clock a department answers for, each department's
    in deadline order (ties by case): the order `_cases_in_due_order` reads one department's in."""
    resp = responsible_departments(_running(LATE))
    return (select(resp.c.department_id, resp.c.ticket_id, TicketClock.level)
            .join(TicketClock, TicketClock.id == resp.c.clock_id)
            .order_by(resp.c.department_id, TicketClock.due_at, TicketClock.ticket_id))


def kept_tallies():
    """The counts the SLA worker kept, with "computed_at", if they are fresh (read once per request), else None.
    Off when BOARD_CACHE_SECONDS is 0: every count is then live."""
    if not current_app.config.get("BOARD_CACHE_SECONDS", 30):
        return None
    if "jj_board_kept" not in g:
        found = kept.read(KEPT_KEY, utcnow())
        g.jj_board_kept = dict(found[0], computed_at=found[1]) if found else None
    return g.jj_board_kept


def _kept_department_cases(department_id, levels):
    """The department's late cases at `levels` in deadline order, as the SLA worker last kept them, or None when
    it keeps none fresh (or the levels are not late ones, which it does not keep)."""
    if kept_tallies() is None or not set(levels) <= set(LATE):
        return None
    ids = dict.fromkeys(t for t, level in kept.value(DEPARTMENT_KEY.format(department_id)) or [] if level in levels)
    return list(ids)


def _tallied(name, compute):
    """A tally over every late running clock (tens of thousands at a large centre, each tally tens of milliseconds),
    computed at most once per BOARD_CACHE_SECONDS (30) per process; the case rows themselves are always live."""
    seconds = current_app.config.get("BOARD_CACHE_SECONDS", 30)
    if not seconds:
        return compute()
    cache = current_app.extensions.setdefault("jj_overdue_board", {})
    now = utcnow()
    at, value = cache.get(name, (None, None))
    if at is None or not at <= now < at + timedelta(seconds=seconds):
        at, value = cache[name] = (now, compute())
    return value


def tab_counts() -> dict:
    """Late cases per tab: a case counts once in a tab however many of its clocks are at that tab's levels (at most
    BOARD_CACHE_SECONDS old), as the SLA worker last kept them when it keeps them."""
    counts = kept_tallies()
    return counts["tabs"] if counts is not None else _tallied("tabs", _tab_counts)


def _tab_counts() -> dict:
    per_level = dict(db.session.execute(
        select(TicketClock.level, func.count(func.distinct(TicketClock.ticket_id)))
        .where(TicketClock.stopped_at.is_(None), TicketClock.level.in_(LATE + (SlaLevel.WARNING.value,)))
        .group_by(TicketClock.level)).all())
    counts = {tab: per_level.get(levels[0], 0) for tab, levels in TABS.items() if len(levels) == 1}
    counts["late"] = db.session.scalar(select(func.count(func.distinct(TicketClock.ticket_id))).where(_running(LATE)))
    return counts


def answerer(clock):
    """Who answers for a late clock, as the board names them: the department whose sign-off, action item or led
    resolution it is (as `responsible_departments` counts), otherwise the case's secretary (None: nobody yet)."""
    if clock.assignment is not None:
        return clock.assignment.department.name
    if clock.action_item is not None and clock.action_item.owner_department is not None:
        return clock.action_item.owner_department.name
    lead = clock.ticket.lead_assignment
    if clock.kind == ClockKind.RESOLUTION.value and lead is not None:
        return lead.department.name
    return clock.ticket.secretary.display_name if clock.ticket.secretary else None


@dataclass
class CaseRow:
    """One late case on the board and its clocks at the tab's levels, earliest deadline first."""

    ticket: Ticket
    clocks: list


@dataclass
class BoardPage:
    """One page of cases; `page` never exceeds `pages`."""

    rows: list
    total: int
    page: int
    pages: int
    clamped_from: int = 0


def case_page(levels, page: int, per_page: int, department_id=None) -> BoardPage:
    """The cases with a running clock at `levels` (answered for by `department_id` when given), the case whose
    earliest such deadline came first on top, one row per case; a page past the last shows the last.

    The rows are always live. So is whether a next page exists (one case more than the page is read), and so is
    the total on the last page; before it, an unfiltered tab's total is its badge's count (BOARD_CACHE_SECONDS)."""
    condition = _clock_filter(levels, department_id)
    tab = next((name for name, tab_levels_ in TABS.items() if tab_levels_ == tuple(levels)), None)

    def live_total():
        return db.session.scalar(select(func.count(func.distinct(TicketClock.ticket_id))).where(condition))

    clamped_from = 0
    if department_id:
        # One department's late cases are a few thousand at most, but finding which late clocks it answers for
        # reads them all: the SLA worker keeps them in deadline order after each sweep (else they are read here),
        # then they are counted and paged in memory. A case whose late clock stopped since is left off its page.
        ordered = _kept_department_cases(department_id, levels)
        if ordered is None:
            ordered = _all_cases_in_due_order(condition)
        total = len(ordered)
        if page > 1 and (page - 1) * per_page >= total:
            clamped_from, page = page, max(1, -(-total // per_page))
        ids = ordered[(page - 1) * per_page:page * per_page]
    else:
        ids = _cases_in_due_order(condition, (page - 1) * per_page, per_page + 1)
        if not ids and page > 1:  # past the last page (an old link, a typed number, cases ended meanwhile)
            clamped_from, page = page, max(1, -(-live_total() // per_page))
            ids = _cases_in_due_order(condition, (page - 1) * per_page, per_page + 1)
        seen = (page - 1) * per_page + len(ids)
        if len(ids) <= per_page:
            total = seen  # this is the last page: the total is exact
        else:
            total = max(live_total() if tab is None else tab_counts()[tab], seen)
        ids = ids[:per_page]
    pages = max(1, -(-total // per_page))
    clocks = db.session.scalars(
        select(TicketClock).where(_clock_filter(levels, department_id, within=ids))
        .options(joinedload(TicketClock.ticket).joinedload(Ticket.enterprise),
                 joinedload(TicketClock.ticket).joinedload(Ticket.secretary),
                 selectinload(TicketClock.assignment).joinedload(Assignment.department),
                 selectinload(TicketClock.action_item).joinedload(ActionItem.owner_department),
                 joinedload(TicketClock.ticket).selectinload(Ticket.assignments).joinedload(Assignment.department))
        .order_by(TicketClock.due_at, TicketClock.id)).all() if ids else []
    by_ticket = {}
    for clock in clocks:
        by_ticket.setdefault(clock.ticket_id, []).append(clock)
    rows = [CaseRow(by_ticket[i][0].ticket, by_ticket[i]) for i in ids if i in by_ticket]
    return BoardPage(rows, total, page, pages, clamped_from)


def _all_cases_in_due_order(condition) -> list:
    """Ticket ids of every clock meeting `condition` in the order of `_cases_in_due_order`, read in one statement and
    sorted here: a few thousand for one department. Read through a cursor in deadline order, PostgreSQL planned for
    the first rows and took 0.5-0.9 s a batch of 500 (2.9 s a page at 1,000,000 cases, now 0.1 s)."""
    rows = db.session.execute(select(TicketClock.ticket_id, TicketClock.due_at).where(condition)).all()
    # A paused clock has no due time: after every dated one.
    rows.sort(key=lambda r: (r[1] is None, r[1].timestamp() if r[1] else 0, r[0]))
    return list(dict.fromkeys(ticket_id for ticket_id, _due in rows))


def _cases_in_due_order(condition, skip: int, count: int | None = None) -> list:
    """Ticket ids of the clocks meeting `condition`, each case once where its earliest such deadline falls (ties by
    ticket id): `skip` cases, then `count` (None: all the rest). The same order as grouping every late clock by case and sorting the
    cases by their first deadline, but read from the deadline index and stopped as soon as the page is full,
    instead of grouping all of them for every page (bench/README.md)."""
    seen, ids = set(), []
    rows = db.session.execute(select(TicketClock.ticket_id).where(condition)
                              .order_by(TicketClock.due_at, TicketClock.ticket_id)
                              .execution_options(yield_per=500))
    try:
        for (ticket_id,) in rows:
            if ticket_id in seen:
                continue
            seen.add(ticket_id)
            if len(seen) > skip:
                ids.append(ticket_id)
                if count is not None and len(ids) == count:
                    break
    finally:
        rows.close()
    return ids


def by_department(levels=LATE) -> list:
    """(department, late cases, late clocks) for every department answering for a late clock, most cases first
    (at most BOARD_CACHE_SECONDS old, or as the SLA worker last kept them)."""
    counts = kept_tallies() if tuple(levels) == LATE else None
    rows = counts["departments"] if counts is not None else _tallied(("departments",) + tuple(levels),
                                                                lambda: _department_rows(levels))
    ids = [r[0] for r in rows]
    names = {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(ids))).all()} if ids else {}
    result = [(names[r[0]], r[1], r[2]) for r in rows if r[0] in names]
    return sorted(result, key=lambda r: (-r[1], r[0].name))


def _department_rows(levels) -> list:
    resp = responsible_departments(_running(levels))
    rows = db.session.execute(
        select(resp.c.department_id, func.count(func.distinct(resp.c.ticket_id)), func.count(resp.c.clock_id))
        .group_by(resp.c.department_id)).all()
    return [tuple(r) for r in rows]
