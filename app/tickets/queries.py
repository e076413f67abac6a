"""Reading tickets: the "needs me now" queue and the filtered, paginated list."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import (ARRAY, Integer, and_, any_, bindparam, case, exists, func, intersect, literal, or_, select,
                        union)

from app.enums import (ACTIVE_ASSIGNMENT, AssignmentRole, AssignmentStatus, Channel, ClockKind, OPEN_STATES, SlaLevel,
                       TicketState as S)
from app.extensions import db
from app.models import Assignment, Enterprise, Remediation, Ticket, TicketClock
from app.models.deadline import running_looked_up_by_key
from app.tickets import routing, search, workflow
from app.tickets.rows import case_rows
from app.planner import postgres_setting
from app.tickets.access import (companies_cases, department_case_count, secretary_case_ids, secretary_parts,
                                visible_filter)
from app.text import escape_like
from sla.calendar import SHANGHAI

SORTS = {
    "due": (Ticket.due_at.is_(None), Ticket.due_at.asc(), Ticket.id.asc()),
    "new": (Ticket.created_at.desc(), Ticket.id.desc()),
    "old": (Ticket.created_at.asc(), Ticket.id.asc()),
}


def _remediating():
    # A 差评 waiting for its return visit, whatever state the case is in (a closed case included).
    return exists().where(Remediation.ticket_id == Ticket.id, Remediation.completed_at.is_(None))


# A secretary's queue: cases to accept, dispatch or close, and cases in progress still owed a first reply.
_SECRETARY_TO_ACT = [S.INTAKE.value, S.TRIAGE.value, S.RESOLVED.value]
_SECRETARY_TO_ANSWER = [S.PROCESSING.value, S.CONVENED.value]


def _secretary_waiting():
    """What puts one of a secretary's cases in her queue by its state: to act on, or in progress and owed a first
    reply (a 差评 to remedy puts it there whatever its state)."""
    return (Ticket.state.in_(_SECRETARY_TO_ACT),
            and_(Ticket.state.in_(_SECRETARY_TO_ANSWER), Ticket.first_replied_at.is_(None)))


def needs_me_filter(user):
    """What is waiting on this person now, by role (a secretary's queue reads her part branch by branch:
    `_secretary_queue`)."""
    if user.is_secretary:
        mine = or_(Ticket.secretary_id == user.id,
                   exists().where(Enterprise.id == Ticket.enterprise_id, Enterprise.secretary_id == user.id))
        # An intake case goes to its enterprise's 联系秘书 first (copied onto the case on arrival); the pool's
        # cases are listed apart on the workspace (app/tickets/routing.py).
        return or_(*(and_(mine, waiting) for waiting in _secretary_waiting()), and_(mine, _remediating()))
    if user.is_officer:
        pending = exists().where(Assignment.ticket_id == Ticket.id, Assignment.department_id == user.department_id,
                                 Assignment.status == AssignmentStatus.PENDING.value)
        leading = exists().where(Assignment.ticket_id == Ticket.id, Assignment.department_id == user.department_id,
                                 Assignment.status == AssignmentStatus.SIGNED.value,
                                 Assignment.role == AssignmentRole.LEAD.value)
        # Only where the workflow lets the department act: a pending part it can sign, a case it leads and reports
        # on. A case resolved before the department signed is no longer its business (its clock ended).
        return or_(and_(pending, Ticket.state.in_(_states_for("sign"))),
                   and_(leading, Ticket.state == S.PROCESSING.value))
    if user.is_supervisor:
        return and_(or_(Ticket.state.in_(OPEN_STATES), _remediating()), Ticket.due_at.is_not(None))
    return Ticket.id.is_(None)


def _states_for(action):
    return [state.value for state in workflow.ACTIONS[action].from_states]


QUEUE_SIZE = 50  # rows a workspace queue shows, most urgent first; the rest wait behind "more"


def _secretary_queue(user, limit):
    """A secretary's queue, most urgent first: the ids of `needs_me_filter`'s cases for her, found branch by branch
    (hers and her companies', to act on and owed a first reply, with a 差评 to remedy) with their deadlines, her
    cases' branches from an index alone (ix_ticket_state_scope, ix_ticket_enterprise_state), the open remedies (a
    handful) with their cases' rows; only the page's rows are read."""
    # Her candidates were looked up in the ticket table one by one to test the state, the first reply and the
    # deadline (her 2,495 cases at 1,000,000: 12 ms on SQLite, 18-32 on PostgreSQL; now 3-4 and 8-9; bench/README.md).
    mine = (Ticket.secretary_id == user.id, companies_cases(user))
    # One branch per state: with the states as a list PostgreSQL probed (company, state) for the company alone and
    # filtered the state, reading all of her companies' 25,000 cases (13.7 -> 4.7-5.6 ms at 1,000,000 cases).
    waiting = [Ticket.state == state for state in _SECRETARY_TO_ACT] + [
        and_(Ticket.state == state, Ticket.first_replied_at.is_(None)) for state in _SECRETARY_TO_ANSWER]
    parts = [select(Ticket.id, Ticket.due_at).where(who, what) for who in mine for what in waiting]
    parts.append(select(Ticket.id, Ticket.due_at).join(Remediation, Remediation.ticket_id == Ticket.id)
                 .where(Remediation.completed_at.is_(None), or_(*mine)))
    queue = union(*parts).subquery("queue")
    return select(queue.c.id).order_by(queue.c.due_at.is_(None), queue.c.due_at, queue.c.id).limit(limit)


def _queue_candidates(user, limit):
    """The only tickets a queue can hold, gathered branch by branch so that each branch reads an index and stops
    early, instead of one OR over every case in deadline order (which walks the whole deadline index when the queue
    is shorter than a page: 105–163 ms at 1,000,000 cases). None: no narrowing (a supervisor's overdue queue, whose
    rows are the oldest deadlines and come first in that index anyway)."""
    if user.is_officer:
        # Parts waiting for the department's signature, of cases it may still sign (a part left unsigned when its
        # case ended stays pending for ever); cases it leads are many over the years, but only those in progress
        # count, and the processing cases' own index gives them in deadline order.
        pending = (select(Assignment.ticket_id).join(Ticket, Ticket.id == Assignment.ticket_id)
                   .where(Assignment.department_id == user.department_id,
                          Assignment.status == AssignmentStatus.PENDING.value, Ticket.state.in_(_states_for("sign"))))
        leads = exists().where(Assignment.ticket_id == Ticket.id, Assignment.department_id == user.department_id,
                               Assignment.status == AssignmentStatus.SIGNED.value,
                               Assignment.role == AssignmentRole.LEAD.value)
        led = select(Ticket.id).where(Ticket.state == S.PROCESSING.value, leads)
        # NULL sorts first on SQLite and last on PostgreSQL: cases with and without a deadline are taken apart. On
        # PostgreSQL, where they come last anyway, "has a deadline" is left out: it took "processing and dated" for
        # rare (2,750 for 43,262, the two being independent to it), expected fewer rows than the page and read all
        # 43,262 processing cases instead of walking them in deadline order (200 -> 22 ms at 1,000,000 cases).
        dated = led if db.engine.dialect.name == "postgresql" else led.where(Ticket.due_at.is_not(None))
        soonest = dated.order_by(Ticket.state, Ticket.due_at, Ticket.id).limit(limit)
        # Ordered like the index (state, due_at) so that both planners read it rather than every case by id.
        undated = led.where(Ticket.due_at.is_(None)).order_by(Ticket.state, Ticket.due_at, Ticket.id).limit(limit)
        return union(pending, select(soonest.subquery().c.id), select(undated.subquery().c.id))
    return None


def needs_me(user, now, limit=None):
    """The person's queue, most urgent deadline first, at most `limit` rows and whether there are more; for
    supervisors only what is overdue. An officer's queue is ordered by the department's own deadlines (see
    `own_parts`)."""
    limit = limit or QUEUE_SIZE
    if user.is_secretary:
        ids = db.session.scalars(_secretary_queue(user, limit + 1)).all()
        return case_rows(ids[:limit]), len(ids) > limit
    query = select(Ticket).where(needs_me_filter(user))
    candidates = _queue_candidates(user, limit + 1)
    if candidates is not None:
        query = query.where(Ticket.id.in_(candidates))
    else:
        query = query.where(visible_filter(user))
    if user.is_supervisor:
        query = query.where(Ticket.due_at < now)
    # The page's ids first, then their rows with what they show: joining enterprise, secretary and category to
    # every waiting case before the sort cost a secretary with 1,146 waiting cases 35 ms on PostgreSQL.
    # An officer's led cases are walked in deadline order (_queue_candidates); split among parallel workers, each
    # walked its own part of the index and the walk did not stop early (55 ms on PostgreSQL, 10 ms in one).
    with postgres_setting("max_parallel_workers_per_gather", "0", when=user.is_officer):
        ids = db.session.scalars(query.with_only_columns(Ticket.id).order_by(*SORTS["due"]).limit(limit + 1)).all()
    more = len(ids) > limit
    ids = ids[:limit]
    tickets = case_rows(ids)
    if not user.is_officer:
        return tickets, more
    parts = own_parts(user, tickets)  # an officer's rows show the department's own part, in its deadline order
    tickets.sort(key=lambda t: (parts[t.id].due_at is None, parts[t.id].due_at or now) if t.id in parts
                 else (True, now))
    return tickets, more


def pool_cases(user, limit=20):
    """The cases waiting longest in the shared pool (open, nobody responsible), most urgent deadline first, for the
    workspace of those who work it (secretaries and supervisors: every pool case is theirs to see)."""
    if not (user.is_secretary or user.is_supervisor):
        return []
    # Ids first, along the (secretary_id, due order) index where secretary_id is NULL; then the rows. Sorting the
    # full rows under a secretary's visibility took 32 ms on PostgreSQL with 3,000 cases in the pool.
    ids = db.session.scalars(select(Ticket.id).where(routing.pool_filter()).order_by(*SORTS["due"])
                             .limit(limit)).all()
    return case_rows(ids)


@dataclass(frozen=True)
class OwnPart:
    """The viewer's own part of a queued case: the action they can take now and the deadline it answers (shaped
    like a ticket for the deadline badge)."""

    action: str
    label: str
    clock_kind: str
    due_at: datetime | None
    sla_level: str
    state: str
    supervised_at: datetime | None
    due_unit: str = "working_days"  # sign-off and resolution clocks count working days


def own_parts(user, tickets) -> dict:
    """For an officer's queue, per ticket id: the department's pending part to sign (its sign-off clock), or the
    case it leads to report on (the resolution clock). Other viewers' rows show the case's own deadline. Read once
    per request for the same rows: the queue sorts by them and its page shows them."""
    if not user.is_officer or not tickets:
        return {}
    ids = [t.id for t in tickets]
    memo = g.setdefault("jj_own_parts", {}) if has_request_context() else {}
    key = (user.department_id, frozenset(ids))  # the view asks again with the rows sorted by these parts
    if key not in memo:
        memo[key] = _own_parts(user.department_id, tickets, ids)
    return memo[key]


def _own_parts(department_id, tickets, ids) -> dict:
    # The department's parts of these cases and their running clocks, as values: the queue loaded as ORM cases with
    # their parts and clocks made the department's workspace 57–58 ms p50 in process on SQLite at 1,000,000 cases,
    # 32–40 as values (bench/README.md, stop 36). Clocks are looked up by case, not by (stopped_at, …): that walk
    # took about 1 s a page at 1,000,000 cases on SQLite.
    mine, clocks = {}, {}
    for ticket_id, assignment_id, status, role in db.session.execute(
            select(Assignment.ticket_id, Assignment.id, Assignment.status, Assignment.role)
            .where(Assignment.ticket_id.in_(ids), Assignment.department_id == department_id).order_by(Assignment.id)):
        mine.setdefault(ticket_id, []).append((assignment_id, status, role))
    for ticket_id, kind, assignment_id, due_at, level in db.session.execute(
            select(TicketClock.ticket_id, TicketClock.kind, TicketClock.assignment_id, TicketClock.due_at,
                   TicketClock.level)
            .where(TicketClock.ticket_id.in_(ids), running_looked_up_by_key()).order_by(TicketClock.id)):
        clocks.setdefault(ticket_id, []).append((kind, assignment_id, due_at, level))
    parts = {}
    for ticket in tickets:
        own = mine.get(ticket.id, [])
        pending = next((a for a, status, _role in own if status == AssignmentStatus.PENDING.value), None)
        leading = next((a for a, status, role in own if status == AssignmentStatus.SIGNED.value
                        and role == AssignmentRole.LEAD.value), None)
        running = clocks.get(ticket.id, [])
        if pending is not None and workflow.allowed("sign", ticket.state):
            action, kind = "sign", ClockKind.SIGN_OFF.value
            clock = next((c for c in running if c[0] == kind and c[1] == pending), None)
        elif leading is not None and workflow.allowed("progress", ticket.state):
            action, kind = "progress", ClockKind.RESOLUTION.value
            clock = next((c for c in running if c[0] == kind), None)
        else:
            continue
        parts[ticket.id] = OwnPart(action, workflow.ACTIONS[action].label, kind, clock[2] if clock else None,
                                   clock[3] if clock else SlaLevel.OK.value, ticket.state, ticket.supervised_at)
    return parts


@dataclass
class TicketFilters:
    """The list's filters as parsed from the query string; bad values are dropped, never trusted."""

    state: str = ""
    category: int | None = None
    department: int | None = None
    channel: str = ""
    secretary: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "due"
    page: int = 1
    pool: bool = False  # only the shared pool: open cases nobody is responsible for
    errors: list = field(default_factory=list)

    @classmethod
    def from_args(cls, args):
        """Parse request.args; unknown or malformed values are ignored, except dates, which a person types: a bad
        one is left out of the filter and named in `errors`."""
        f = cls()
        f.state = args.get("state", "") if S.get(args.get("state", "")) or args.get("state") == "open" else ""
        f.channel = args.get("channel", "") if Channel.get(args.get("channel", "")) else ""
        f.category = _int(args.get("category"))
        f.department = _int(args.get("department"))
        f.secretary = _int(args.get("secretary"))
        f.date_from = _date(args.get("from"))
        f.date_to = _date(args.get("to"))
        for key, day, label in (("from", f.date_from, _("提交日期从")), ("to", f.date_to, _("至"))):
            typed = (args.get(key) or "").strip()
            if typed and day is None:
                f.errors.append(_("“%(field)s”的日期“%(value)s”无效，请按“年-月-日”填写 2000–2100 年间的日期；该条件未生效。",
                                  field=label, value=typed[:20]))
        f.q = (args.get("q") or "").strip()[:100]
        f.sort = args.get("sort") if args.get("sort") in SORTS else "due"
        if f.q and args.get("sort") not in SORTS:
            f.sort = "relevance"  # a search lists the best matches first, then the newest
        f.page = max(1, min(_int(args.get("page")) or 1, 100000))
        f.pool = args.get("pool") == "1"
        return f

    def as_args(self, **changes) -> dict:
        """The filters as query-string arguments, for links that keep them."""
        values = {"state": self.state, "category": self.category, "department": self.department,
                  "channel": self.channel, "secretary": self.secretary,
                  "from": self.date_from.isoformat() if self.date_from else None,
                  "to": self.date_to.isoformat() if self.date_to else None, "q": self.q,
                  "sort": self.sort if self.sort not in ("due", "relevance") else None, "page": self.page if self.page > 1 else None,
                  "pool": "1" if self.pool else None}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _date(value):
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    # A filter date outside 2000–2100 means nothing here, and 9999-12-31 + 1 day would overflow.
    return day if day is not None and 2000 <= day.year <= 2100 else None


def _local_midnight_utc(day: date):
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _narrowed(f: TicketFilters) -> bool:
    return any((f.pool, f.state, f.channel, f.category, f.secretary, f.department, f.date_from, f.date_to, f.q))


SHARED_READ_ONCE = 2_000  # a secretary's cases shared with a department, up to this many, are read once a request


def _active_parts(department_id):
    """The condition on assignments: the department's part, pending or signed."""
    return Assignment.department_id == department_id, Assignment.status.in_(ACTIVE_ASSIGNMENT)


def _shared_with_department(user, department_id):
    """The condition "one of the secretary's cases with an active part in the department", from two sets read from
    indexes alone and intersected; only the cases in both are read.

    Walking her cases in deadline order and probing each for a part passed most of them (256 ms on SQLite at
    1,000,000 cases, 273 on PostgreSQL) for the 948 she shares with the department. On PostgreSQL her companies' part
    comes from ix_ticket_enterprise_state alone since it carries the id (before, a sequential scan), and her parts
    are appended, not merged: INTERSECT drops repeats itself (a hash of 52,000 ids fewer, 60 -> 50 ms). Her set is
    what `visible_filter` allows, so this replaces that condition, which PostgreSQL tested case by case over the
    whole table. The count and the page both need the set: when it is small it is read once and passed as ids
    (two intersections of 40-60 ms became one); past 2,000 the count and the page each intersect again (three in
    all, the first only to learn the set is large). An officer shares most of a department's cases (his own), so
    his list keeps the walk."""
    ids = shared_case_ids(user, department_id)
    if ids is None:
        return Ticket.id.in_(_shared_set(user, department_id))
    if db.engine.dialect.name == "postgresql":
        # One array, not 948 parameters, each of which PostgreSQL bound and planned: the page's statement on her 948
        # cases 17.5 -> 14.5 ms (bench/README.md, stop 33).
        return Ticket.id == any_(bindparam("jj_shared", ids, type_=ARRAY(Integer), unique=True))
    return Ticket.id.in_(ids)


def _shared_set(user, department_id):
    among = secretary_case_ids(user, distinct=db.engine.dialect.name == "sqlite").subquery()
    return intersect(select(among.c[0]), select(Assignment.ticket_id).where(*_active_parts(department_id)))


def shared_case_ids(user, department_id) -> list | None:
    """The ids of the secretary's cases with an active part in the department, read once a request, or None when
    there are more than SHARED_READ_ONCE (then each statement intersects the two sets itself)."""
    key = ("jj_shared", user.id, department_id)
    ids = g.get("jj_shared_ids", {}).get(key) if has_request_context() else None
    if ids is None:
        both = _shared_set(user, department_id).subquery()
        ids = list(db.session.scalars(select(both.c[0]).limit(SHARED_READ_ONCE + 1)))
        if has_request_context():
            g.setdefault("jj_shared_ids", {})[key] = ids
    return ids if len(ids) <= SHARED_READ_ONCE else None


def filtered_query(user, f: TicketFilters, counting=False, *, scoped=True):
    """A select() of the tickets `user` may see, narrowed by the filters (`counting`: shaped for counting them;
    `scoped=False`: the filters alone, for a caller that adds what the user may see itself)."""
    # A secretary's department filter is met inside her own set of cases (below): the set is the condition.
    shared = bool(f.department) and user.is_secretary
    query = select(Ticket) if shared or not scoped else select(Ticket).where(visible_filter(user))
    if f.pool:
        query = query.where(routing.pool_filter())
    if f.state == "open":
        query = query.where(Ticket.state.in_(OPEN_STATES))
    elif f.state:
        query = query.where(Ticket.state == f.state)
    if f.channel:
        query = query.where(Ticket.channel == f.channel)
    if f.category:
        query = query.where(Ticket.category_id == f.category)
    if f.secretary:
        query = query.where(Ticket.secretary_id == f.secretary)
    if f.department:
        parts = _active_parts(f.department)
        if shared:
            query = query.where(_shared_with_department(user, f.department))
        else:
            # A page walks the cases in its order and probes each for a part (the first 50 come quickly); a count
            # starts from the department's parts, read from the index alone (140-200 -> 19 ms).
            query = query.where(Ticket.id.in_(select(Assignment.ticket_id).where(*parts)) if counting
                                else exists().where(Assignment.ticket_id == Ticket.id, *parts))
    if f.date_from:
        query = query.where(Ticket.created_at >= _local_midnight_utc(f.date_from))
    if f.date_to:
        query = query.where(Ticket.created_at < _local_midnight_utc(f.date_to + timedelta(days=1)))
    if f.q:
        candidates = search.candidate_clause(f.q)
        if candidates is not None:
            query = query.where(candidates)  # the index narrows; the LIKE below keeps only exact substrings
        pattern = f"%{escape_like(f.q)}%"
        query = query.where(or_(*_matches(pattern)))
    return query


def _matches(pattern):
    """Each searched field containing the pattern, most telling first (the order is the relevance)."""
    in_enterprise = exists().where(Enterprise.id == Ticket.enterprise_id,
                                   or_(Enterprise.name.ilike(pattern, escape="\\"),
                                       Enterprise.credit_code.ilike(pattern, escape="\\")))
    return [Ticket.number.ilike(pattern, escape="\\"), Ticket.title.ilike(pattern, escape="\\"), in_enterprise,
            Ticket.contact_mobile.ilike(pattern, escape="\\"), Ticket.description.ilike(pattern, escape="\\")]


def _relevance(q):
    """Number or title first, then enterprise or credit code, then mobile or description; newest first within."""
    number, title, enterprise, mobile, _description = _matches(f"%{escape_like(q)}%")
    rank = case((or_(number, title), 0), (enterprise, 1), (mobile, 2), else_=3)
    return rank, Ticket.created_at.desc(), Ticket.id.desc()


def _sort_key(sort):
    """The Python twin of a list order (SORTS, or relevance: rank, newest, highest id) over (id, rank, created_at,
    due_at) rows."""
    def stamp(moment):  # a case always has its submission time; 0 keeps a missing one sortable all the same
        return moment.timestamp() if moment else 0

    if sort == "relevance":
        return lambda r: (r[1], -stamp(r[2]), -r[0])
    if sort == "new":
        return lambda r: (-stamp(r[2]), -r[0])
    if sort == "old":
        return lambda r: (stamp(r[2]), r[0])
    return lambda r: (r[3] is None, stamp(r[3]), r[0])


def _search_page(base, f, per_page: int) -> "Page":
    """A page of search results. A common word matches tens of thousands of cases; ordering them all by relevance
    reads every one. The newest WINDOW of the cases this person may see, as filtered, are ranked (the page says when
    there are more: more words or filters narrow them). One statement reads the window's ids with what orders
    them (the rank among them), sorted here; only the page's rows are then loaded: ranking 2,000 full rows in the
    database took 39 ms at 1,000,000 cases on PostgreSQL, these few columns 17 ms."""
    window = search.WINDOW
    rank = _relevance(f.q)[0] if f.sort == "relevance" else literal(0)  # five LIKEs a row, read only to rank
    keys = db.session.execute(base.with_only_columns(Ticket.id, rank, Ticket.created_at, Ticket.due_at,
                                                     maintain_column_froms=True)
                              .order_by(Ticket.id.desc()).limit(window + 1)).all()
    windowed = window if len(keys) > window or search.more_candidates(f.q) else 0
    keys = keys[:window]
    keys.sort(key=_sort_key(f.sort))
    page = Page.of_list(keys, f.page, per_page, windowed=windowed)
    f.page = page.page
    page.items = case_rows([r[0] for r in page.items])
    return page


def clamp_page(asked: int, total: int, per_page: int) -> tuple[int, int]:
    """(page to show, page asked for when it was past the last, else 0): an old link or a hand-typed number past
    the last page shows the last one and says so, so the page number shown never exceeds the page count."""
    last = max(1, -(-total // per_page))
    return (last, asked) if asked > last else (asked, 0)


@dataclass
class Page:
    """One page of results and what is needed to link to the others."""

    items: list
    total: int
    page: int
    per_page: int
    capped: bool = False  # counting stopped at `total`: there are more ("10,000+")
    clamped_from: int = 0  # the page asked for, when it was past the last page (the last page is shown instead)
    windowed: int = 0  # a search matched more cases than it ranks: how many of the newest it ranked (search.WINDOW)

    @classmethod
    def of_list(cls, rows: list, asked: int, per_page: int, **extra):
        """The page `asked` of rows already read, in their order (a page past the last shows the last, as
        clamp_page)."""
        page, clamped_from = clamp_page(asked, len(rows), per_page)
        return cls(rows[(page - 1) * per_page:page * per_page], len(rows), page, per_page, clamped_from=clamped_from,
                   **extra)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.capped or self.page < self.pages


COUNT_CAP = 10_000


def ticket_page(user, f: TicketFilters, per_page: int) -> Page:
    """The tickets on the requested page and how many there are, counted up to 10,000 (or just past this page):
    an exact count of a million rows costs a full scan and tells a person nothing "10,000+" does not."""
    base = filtered_query(user, f)
    if f.q:
        return _search_page(base, f, per_page)
    parts = _secretary_tab_parts(user, f)
    cap = max(COUNT_CAP, f.page * per_page)
    if user.is_officer and user.department_id and not _narrowed(f):
        # Everything an officer may see, counted from the department's sets of ids alone: through the ticket table
        # each case was looked up or tested (27 ms on SQLite, 65 on PostgreSQL at 1,000,000 cases).
        total = department_case_count(user.department_id, cap)
    elif _department_alone(user, f) and (shared := shared_case_ids(user, f.department)) is not None:
        total = len(shared)  # the list is that set, read already: counting it again cost 4-7 ms
    else:
        ids = union(*parts) if parts is not None else filtered_query(user, f, counting=True).with_only_columns(
            Ticket.id, maintain_column_froms=True)
        total = db.session.scalar(select(func.count()).select_from(ids.order_by(None).limit(cap + 1).subquery()))
    clamped_from = 0
    if total <= cap:  # past the cap the count is not known, nor is the last page
        f.page, clamped_from = clamp_page(f.page, total, per_page)
    offset = (f.page - 1) * per_page
    if f.sort == "due" and f.state and f.state != "open":  # one state: its (state, due_at) index serves both lists
        items = _by_deadline(base, offset, per_page, parts)
    else:
        # The page's ids first, then its rows: with the rows' joins in the same statement PostgreSQL joined every
        # matching case to its company, secretary and category before sorting them for 50 (a secretary's 948 cases
        # shared with a department; the pool's 3,073 cases, which its statistics still put at one).
        ids_of = base.with_only_columns(Ticket.id, maintain_column_froms=True)
        items = case_rows(list(db.session.scalars(ids_of.order_by(*SORTS[f.sort]).limit(per_page)
                                                  .offset(offset))))
    return Page(items, min(total, cap), f.page, per_page, capped=total > cap, clamped_from=clamped_from)


def _department_alone(user, f: TicketFilters) -> bool:
    """Whether a secretary's list is filtered by a department and by nothing else."""
    return (user.is_secretary and bool(f.department)
            and not any((f.pool, f.state, f.channel, f.category, f.secretary, f.date_from, f.date_to, f.q)))


def _secretary_tab_parts(user, f: TicketFilters):
    """A secretary's state tab as the ids of her four parts, each with the tab's filters (their UNION is her tab),
    or None where the tab is read whole (by `visible_filter`).

    Counted so, her own cases and her companies' are index ranges of the state; her parts joined by OR tested every
    case in the state against all four (已派发: 43,262 index entries for her 1,102 cases, 8-9 ms on both databases;
    2-3 ms so, bench/README.md). Not the intake tab (every secretary sees every intake case) nor the closed one: her
    closed cases pass the count's cap, where the OR stops while the parts are each read whole (17 -> 32 ms)."""
    if not user.is_secretary or f.state in ("", S.INTAKE.value, S.CLOSED.value) or f.department:
        return None
    narrowed = filtered_query(user, f, counting=True, scoped=False).with_only_columns(
        Ticket.id, maintain_column_froms=True)
    return [narrowed.where(part) for part in secretary_parts(user)]


def _dated_by_parts(parts, offset: int, limit: int) -> list[int]:
    """The ids of a secretary's tab's dated cases from `offset`, `limit` of them, in deadline order: the first
    offset + limit of each part by its own index range, merged. Walking the state's (state, due_at) index instead
    tested each case against her four parts until fifty passed (SQLite at 1,000,000 cases: 4.8-6.6 ms, so 1.8-2.9)."""
    firsts = [part.add_columns(Ticket.due_at).where(Ticket.due_at.is_not(None)).order_by(Ticket.due_at, Ticket.id)
              .limit(offset + limit).subquery() for part in parts]
    merged = union(*(select(first.c.id, first.c.due_at) for first in firsts)).subquery()
    return list(db.session.scalars(select(merged.c.id).order_by(merged.c.due_at, merged.c.id)
                                   .limit(limit).offset(offset)))


def _by_deadline(base, offset: int, limit: int, parts=None) -> list:
    """A page of one state's cases in deadline order (SORTS["due"]: dated cases by due time, then the undated by id),
    read as two lists that each follow the (state, due_at) index: the dated cases by (due_at, id), then the undated
    by id. In one statement "due_at IS NULL" heads the order, which that index does not hold: a state tab (已关闭:
    870,000 undated cases) read the whole state and sorted it for 50 rows (170-280 ms at 1,000,000 cases on both
    databases). Without a state the whole table's (due_at IS NULL, due_at, id) index serves the one statement.
    `parts`: a secretary's tab as its parts (`_secretary_tab_parts`), for her dated cases on SQLite and her undated
    ones on PostgreSQL."""
    ids_of = base.with_only_columns(Ticket.id, maintain_column_froms=True)
    dated = ids_of.where(Ticket.due_at.is_not(None))
    if parts is not None and db.engine.dialect.name == "sqlite":
        # PostgreSQL walks the state's index faster than it merges the parts (1.0 ms against 3.1): it keeps the walk.
        ids = _dated_by_parts(parts, offset, limit)
    else:
        ids = list(db.session.scalars(dated.order_by(Ticket.due_at, Ticket.id).limit(limit).offset(offset)))
    if len(ids) < limit:  # the dated cases end on this page (or before it): the undated follow
        dated_count = offset + len(ids) if ids or not offset else db.session.scalar(
            select(func.count()).select_from(dated.limit(offset).subquery()))
        undated = ids_of.where(Ticket.due_at.is_(None))
        if parts is not None and db.engine.dialect.name == "postgresql":
            # PostgreSQL's index on (state, due_at) carries the id but is not ordered by it, so it walked the whole
            # table by id for the undated cases of the state, testing each: 165,000 rows for her first 50 on hold (50
            # ms). Her parts, each an index range, sorted: 6-12 ms. SQLite's index is ordered by id: it keeps the walk.
            mine = union(*(part.where(Ticket.due_at.is_(None)) for part in parts)).subquery()
            undated = select(mine.c[0]).order_by(mine.c[0])
        else:
            undated = undated.order_by(Ticket.id)
        ids += db.session.scalars(undated.limit(limit - len(ids)).offset(max(0, offset - dated_count))).all()
    return case_rows(ids)
