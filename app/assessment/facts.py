"""The lines behind every figure, as SQL: one row per (unit, metric, ticket or rating or visit), with the
value it earns and the reason it counts or not. Scores, drill-downs and published snapshots all read these
rows, so the database does the counting for 100,000 tickets and the numbers always agree with the lists.

A clock is judged once, in the month it was decided: on time → the month it stopped; late → the month its
due time passed (while running, or by stopping after it). Due times already exclude paused time and include
approved extensions. A breach belongs to whoever held the clock when it broke: acknowledgement, first reply
and follow-up to the ticket's secretary; a sign-off to the assignment's department; the resolution clock to
the lead department when one held the case at that moment, otherwise to the secretary; an action item to
its owner department. Credit follows the same rule: a dispatched case resolved in time is the lead department's
(the one leading when it was resolved), not the secretary's nor a department that returned it earlier.

Clocks or cases: 按时办结率 and the deadline-based 办结率 count resolution clocks (a reopened case has a new
deadline to meet); 重办率 counts cases (one line per case and lead department a month); 满意率 and 解决率 count
each case once a month, with its last rating of the month. README "How a figure is counted" states every rule.
"""
from sqlalchemy import (DateTime, Float, Integer, String, and_, case, cast, exists, func, literal, null, or_, select,
                        type_coerce, union_all)

from app.assessment.metrics import DEPARTMENT, METRICS, SECRETARY
from app.enums import CLOCK_NOT_NEEDED, AssignmentRole, AssignmentStatus, ClockKind
from app.models import (ActionItem, Appeal, Assignment, ClockPause, EnterpriseEvaluation, Rating, ScoreExclusion,
                        Ticket, TicketClock, Visit)
from app.models.types import UTCDateTime



def _moment(column):
    # A typed NULL keeps PostgreSQL's UNION happy; a real column is only re-labelled, because SQLite's
    # CAST(... AS DATETIME) would turn the stored text into a number.
    if column is None:
        return type_coerce(cast(null(), DateTime), UTCDateTime)
    return type_coerce(column, UTCDateTime)


def _line(unit_id, ticket_id, ref_id, value, reason, due_at, done_at):
    return [unit_id.label("unit_id"), cast(ticket_id, Integer).label("ticket_id"),
            cast(ref_id, Integer).label("ref_id"), cast(value, Float).label("value"),
            cast(reason, String).label("reason"), _moment(due_at).label("due_at"),
            _moment(done_at).label("done_at")]


def merged_ids():
    """The cases closed as duplicates of another (并单): the assessment counts the pair once, as the kept case, so
    these are left out of every figure (their lines are listed as 已并单, not counted). The partial set is read
    through ix_ticket_merged_into_id."""
    return select(Ticket.id).where(Ticket.merged_into_id.is_not(None))


def on_time():
    """The clock stopped by its due time."""
    return and_(TicketClock.stopped_at.is_not(None), TicketClock.stopped_at <= TicketClock.due_at)


def _decided_at():
    """When the clock's outcome was settled: its stop if on time, else the moment it broke."""
    return case((on_time(), TicketClock.stopped_at), else_=TicketClock.due_at)


def paused_now():
    """The clock stands still right now (its ticket is on hold): probed clock by clock."""
    return exists().where(ClockPause.clock_id == TicketClock.id, ClockPause.ended_at.is_(None))


def paused_set():
    """The clock stands still right now, tested against the open pauses read once as a set (10,589 at 1,000,000
    cases). Inside the OR of `decided_in`, PostgreSQL costs the probe of `paused_now` as if it ran for every clock,
    and for the response clocks it walked a whole index instead of the month's two index ranges (2.5–4.1 s → 0.6–1.2 s
    with the set; the 办结率 lines of `resolution_due_in` 0.7–1.4 → 0.5–0.6 s). Measured metric by metric on both
    databases (bench/README.md) and used only where it won. With the set, PostgreSQL walks the foreign key's index of
    the sign-off and action-item clocks for a merge join (0.8 → 3.2 s, 0.06 → 2.1 s), and the on-time lines'
    resolution clocks (`decided_in`) read no faster."""
    return TicketClock.id.in_(select(ClockPause.clock_id).where(ClockPause.ended_at.is_(None)))


def answered():
    """Not a sign-off the case stopped needing before it fell due: that one settles nothing, neither on time nor
    late (one already late when the case ended stays late)."""
    return or_(TicketClock.outcome.is_(None), TicketClock.outcome != CLOCK_NOT_NEEDED, ~on_time())


def decided_in(month, now, paused=paused_now):
    """The clock's outcome was settled within the month (and by now); `paused`: how a pause is tested."""
    # The moment it was decided (`_decided_at`) falls in the month: met, by a stop in the month; missed, by a due
    # time in the month. Written as that OR of two plain ranges, each reads its own index ((kind, stopped_at) and
    # (kind, due_at)) instead of every clock due from the month's start to the end of time (bench/README.md).
    ok = on_time()
    return and_(or_(and_(ok, TicketClock.stopped_at >= month.start, TicketClock.stopped_at < month.end),
                    and_(~ok, TicketClock.due_at >= month.start, TicketClock.due_at < month.end)),
                answered(), or_(TicketClock.stopped_at.is_not(None), and_(TicketClock.due_at < now, ~paused())))


def lead_department_at(moment, ticket_id=TicketClock.ticket_id):
    """The department leading the ticket at `moment`: the newest lead assignment dispatched by then and not
    returned by then (a correlated subquery; NULL if none). Withdrawn assignments carry no time, so they
    never count as holding."""
    return (select(Assignment.department_id)
            .where(Assignment.ticket_id == ticket_id, Assignment.role == AssignmentRole.LEAD.value,
                   Assignment.status != AssignmentStatus.WITHDRAWN.value, Assignment.dispatched_at <= moment,
                   or_(Assignment.returned_at.is_(None), Assignment.returned_at > moment))
            .order_by(Assignment.id.desc()).limit(1).scalar_subquery())


def secretary_of_clock():
    """The secretary a deadline counts for: the one who held the case when it was decided, if it changed hands
    after that (app/tickets/routing.py), else the case's secretary."""
    return case((TicketClock.holder_fixed, TicketClock.holder_id), else_=Ticket.secretary_id)


def _with_unit(query):
    """Lines whose unit is looked up row by row (the lead department at a moment), kept where there is one. The
    look-up runs once a line: tested in the same SELECT that returns it, the database runs it twice, once to filter
    and once to return it (a subquery PostgreSQL or SQLite would merge into its caller is no better). OFFSET 0 keeps
    the inner SELECT whole on both databases."""
    inner = query.offset(0).subquery()
    return select(*inner.c).where(inner.c.unit_id.is_not(None))


def _clock_lines(unit, kinds, month, now, *, join=None, where=(), paused=paused_now, looked_up=False,
                 of_case=True):
    # of_case: the unit is read from the case's row (its secretary). A department's lines do without the case, one
    # look-up a line fewer (every clock has its case: the foreign key is NOT NULL).
    ok = on_time()
    query = select(*_line(unit, TicketClock.ticket_id, TicketClock.id, case((ok, 1.0), else_=0.0),
                          case((ok, "on_time"), (TicketClock.stopped_at.is_not(None), "late"),
                               else_="late_open"),
                          TicketClock.due_at, TicketClock.stopped_at))
    query = query.select_from(TicketClock)
    if of_case:
        query = query.join(Ticket, Ticket.id == TicketClock.ticket_id)
    if join is not None:
        query = query.join(*join)
    query = query.where(TicketClock.kind.in_([k.value for k in kinds]), decided_in(month, now, paused), *where)
    return _with_unit(query) if looked_up else query.where(unit.is_not(None))


def resolution_due_in(start, end, now):
    """A resolution clock that fell due in [start, end) and is settled by now: stopped, or past due and not
    standing still. The deadline-based 办结率 counts these clocks, the centre's and each secretary's alike."""
    # answered(): a case returned to the 12345 platform in time met no deadline of the centre's (not 办结).
    return and_(TicketClock.kind == ClockKind.RESOLUTION.value, TicketClock.due_at >= start, TicketClock.due_at < end,
                or_(TicketClock.stopped_at.is_not(None), and_(TicketClock.due_at < now, ~paused_set())), answered())


def _completion_lines(month, now):
    # Clocks, not cases: a reopened case has a fresh deadline, and meeting it (or not) is a new fact.
    ok = on_time()
    holder = secretary_of_clock()
    return (select(*_line(holder, TicketClock.ticket_id, TicketClock.id, case((ok, 1.0), else_=0.0),
                          case((ok, "on_time"), (TicketClock.stopped_at.is_not(None), "late"), else_="late_open"),
                          TicketClock.due_at, TicketClock.stopped_at))
            .select_from(TicketClock).join(Ticket, Ticket.id == TicketClock.ticket_id)
            .where(resolution_due_in(month.start, month.end, now), holder.is_not(None)))


def last_rating_in(start, end):
    """The rating is its case's last one given in [start, end): a case re-rated after a reopening counts once,
    with the enterprise's final word (the earlier verdict already shows in 重办率)."""
    later = Rating.__table__.alias("later_rating")
    return and_(Rating.created_at >= start, Rating.created_at < end,
                ~exists().where(later.c.ticket_id == Rating.ticket_id, later.c.id > Rating.id,
                                later.c.created_at >= start, later.c.created_at < end))


def satisfied():
    """The rating counts as satisfied in 满意率: 满意 or 非常满意, or a default rating (默认评价: the enterprise did
    not rate in time, which the 好差评 rules count as 满意)."""
    return or_(Rating.satisfaction.in_(["4", "5"]), Rating.is_default.is_(True))


def _rating_lines(unit, month, solved: bool, looked_up=False, where=(), of_case=True):
    default = Rating.is_default.is_(True)
    if solved:
        # A default rating is recorded 解决 and counts as such; its line says it was not the enterprise's word.
        value = case((Rating.solved == "solved", 1.0), (Rating.solved == "partly", 0.5), else_=0.0)
        reason = case((default, "default_solved"), (Rating.solved == "solved", "solved"),
                      (Rating.solved == "partly", "partly"), else_="unsolved")
    else:
        happy = satisfied()
        value = case((happy, 1.0), else_=0.0)
        reason = case((default, "default_satisfied"), (happy, "satisfied"), else_="not_satisfied")
    query = (select(*_line(unit, Rating.ticket_id, Rating.id, value, reason, None, Rating.created_at))
             .select_from(Rating).where(last_rating_in(month.start, month.end), *where))
    if of_case:
        query = query.join(Ticket, Ticket.id == Rating.ticket_id)
    return _with_unit(query) if looked_up else query.where(unit.is_not(None))


def _return_lines(month):
    returned = Assignment.status == AssignmentStatus.RETURNED.value
    return (select(*_line(Assignment.department_id, Assignment.ticket_id, Assignment.id,
                          case((returned, 1.0), else_=0.0), case((returned, "returned"), else_="kept"),
                          Assignment.dispatched_at, Assignment.returned_at))
            .where(Assignment.dispatched_at >= month.start, Assignment.dispatched_at < month.end))


def _reopen_lines(month, where=()):
    # One line per case and lead department: a case the department resolved twice in the month, reopened in
    # between, is one reopened case (its first resolution in the month has a later clock).
    lead = lead_department_at(TicketClock.stopped_at)
    each = (select(TicketClock.id, TicketClock.ticket_id, lead.label("lead_id"), TicketClock.due_at,
                   TicketClock.stopped_at)
            .where(TicketClock.kind == ClockKind.RESOLUTION.value, TicketClock.stopped_at >= month.start,
                   TicketClock.stopped_at < month.end, *where)
            .offset(0).subquery("resolutions"))  # the lead looked up once a clock (see _with_unit)
    later = TicketClock.__table__.alias("later")
    reopened = exists().where(later.c.ticket_id == each.c.ticket_id, later.c.kind == ClockKind.RESOLUTION.value,
                              later.c.id > each.c.id)
    # Grouped and fenced, so that the line's value and its reason read one aggregate: written twice, max(EXISTS …)
    # is two aggregates on both databases (they merge no aggregate holding a subquery), each probing every clock.
    cases = (select(each.c.lead_id, each.c.ticket_id, func.min(each.c.id).label("ref_id"),
                    func.max(case((reopened, 1.0), else_=0.0)).label("reopened"),
                    func.min(each.c.due_at).label("due_at"), func.min(each.c.stopped_at).label("stopped_at"))
             .where(each.c.lead_id.is_not(None)).group_by(each.c.lead_id, each.c.ticket_id)
             .offset(0).subquery("reopen_cases"))
    return select(*_line(cases.c.lead_id, cases.c.ticket_id, cases.c.ref_id, cases.c.reopened,
                         case((cases.c.reopened > 0, "reopened"), else_="not_reopened"), cases.c.due_at,
                         cases.c.stopped_at))


def _visit_lines(month):
    return (select(*_line(Visit.secretary_id, null(), Visit.id, literal(1.0), literal("visit"), None,
                          Visit.created_at))
            .where(Visit.visited_on >= month.first_day, Visit.visited_on <= month.last_day))


def _evaluation_lines(kind, month):
    e = EnterpriseEvaluation
    return (select(*_line(e.unit_id, null(), e.id, (e.lawful + e.efficiency + e.execution + e.attitude) / 20.0,
                          literal("evaluation"), None, e.created_at))
            .where(e.month == str(month), e.unit_kind == kind))


# The metrics whose lines belong to no case (a visit, an enterprise's evaluation): every other line names its case.
CASELESS = {SECRETARY: frozenset({"visits", "evaluation"}), DEPARTMENT: frozenset({"evaluation"})}

# The metrics whose unit is looked up line by line behind a fence (`_with_unit`, `_reopen_lines`): a caller's filter
# on their lines cannot reach inside, so `metric_lines` narrows them to the given tickets itself.
NARROWED_INSIDE = {SECRETARY: frozenset(), DEPARTMENT: frozenset({"on_time", "reopens", "satisfaction"})}


def metric_lines(kind: str, month, now, ticket_ids=None) -> dict:
    """One SELECT per metric for a kind of unit, before exclusions and appeals. `ticket_ids` narrows the metrics of
    NARROWED_INSIDE (the rest are narrowed by their caller's filter, which the database applies inside them)."""
    if kind == SECRETARY:
        return {
            "response": _clock_lines(secretary_of_clock(), [ClockKind.ACKNOWLEDGE, ClockKind.FIRST_REPLY], month, now,
                                     paused=paused_set),
            "on_time": _clock_lines(secretary_of_clock(), [ClockKind.RESOLUTION], month, now,
                                    where=[lead_department_at(_decided_at()).is_(None)]),
            "completion": _completion_lines(month, now),
            "satisfaction": _rating_lines(Ticket.secretary_id, month, solved=False),
            "solved": _rating_lines(Ticket.secretary_id, month, solved=True),
            "visits": _visit_lines(month),
            "evaluation": _evaluation_lines(SECRETARY, month),
        }
    lead = lead_department_at(_decided_at())
    cases = [] if ticket_ids is None else [TicketClock.ticket_id.in_(list(ticket_ids))]
    rated = [] if ticket_ids is None else [Rating.ticket_id.in_(list(ticket_ids))]
    return {
        "sign_off": _clock_lines(Assignment.department_id, [ClockKind.SIGN_OFF], month, now,
                                 join=(Assignment, Assignment.id == TicketClock.assignment_id), of_case=False),
        "on_time": _clock_lines(lead, [ClockKind.RESOLUTION], month, now, where=cases, looked_up=True, of_case=False),
        "returns": _return_lines(month),
        "reopens": _reopen_lines(month, cases),
        "satisfaction": _rating_lines(lead_department_at(Rating.created_at, Rating.ticket_id), month, solved=False,
                                      looked_up=True, where=rated, of_case=False),
        "action_items": _clock_lines(ActionItem.owner_department_id, [ClockKind.ACTION_ITEM], month, now,
                                     join=(ActionItem, ActionItem.id == TicketClock.action_item_id), of_case=False),
        "evaluation": _evaluation_lines(DEPARTMENT, month),
    }


def facts(kind: str, month, now, *, only=None, unit_id=None, ticket_ids=None):
    """Every line for one kind of unit in a month, with exclusions and accepted appeals applied: a
    subquery with metric, unit_id, ticket_id, ref_id, value, counted, reason, note, due_at, done_at.
    `only` (metric keys), `unit_id` and `ticket_ids` narrow it inside each metric's query, except `unit_id` for
    a looked-up unit, which can only be tested once it is known (the lead department: no index narrows it)."""
    lines = metric_lines(kind, month, now, ticket_ids)
    parts = []
    for key in (m.key for m in METRICS[kind]):
        if only is not None and key not in only:
            continue
        sub = lines[key].subquery()
        part = select(*sub.c, literal(key).label("metric"))
        if unit_id is not None:
            part = part.where(sub.c.unit_id == unit_id)
        if ticket_ids is not None and key not in NARROWED_INSIDE[kind]:
            part = part.where(sub.c.ticket_id.in_(list(ticket_ids)))  # once: each id is a bound parameter
        parts.append(part)
    raw = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("raw")
    accepted = (select(Appeal.ticket_id, Appeal.unit_id, Appeal.decision_reason)
                .where(Appeal.unit_kind == kind, Appeal.status == "accepted").subquery("accepted"))
    excluded = raw.c.ticket_id.is_not(None) & ScoreExclusion.id.is_not(None)
    appealed = accepted.c.ticket_id.is_not(None)
    # A merged duplicate's lines are dropped (the pair counts once, as the kept case) unless they were decided
    # before the merge: a deadline already missed, or met, stays counted, so merging never hides a breach.
    # Joined once, not tested by EXISTS: SQLite repeats an EXISTS wherever `counted` is read (some 20 times a
    # line in the tally, each a look-up in the ticket table: 60 % of a month's tally at 1,000,000 cases).
    merged_case = select(Ticket.id, Ticket.merged_at).where(Ticket.merged_into_id.is_not(None)).subquery("merged_case")
    decided = case((raw.c.due_at.is_(None), raw.c.done_at), (raw.c.done_at.is_(None), raw.c.due_at),
                   (raw.c.done_at < raw.c.due_at, raw.c.done_at), else_=raw.c.due_at)
    merged = merged_case.c.id.is_not(None) & or_(decided.is_(None), decided >= merged_case.c.merged_at)
    return (select(raw.c.metric, raw.c.unit_id, raw.c.ticket_id, raw.c.ref_id, raw.c.value,
                   case((merged, False), (excluded, False), (appealed, False), else_=True).label("counted"),
                   case((merged, "merged"), (excluded, "excluded"), (appealed, "appeal"),
                        else_=raw.c.reason).label("reason"),
                   case((merged, ""), (excluded, ScoreExclusion.reason), (appealed, accepted.c.decision_reason),
                        else_="").label("note"),
                   raw.c.due_at, raw.c.done_at)
            .select_from(raw)
            .outerjoin(merged_case, merged_case.c.id == raw.c.ticket_id)
            .outerjoin(ScoreExclusion, ScoreExclusion.ticket_id == raw.c.ticket_id)
            .outerjoin(accepted, and_(accepted.c.ticket_id == raw.c.ticket_id, accepted.c.unit_id == raw.c.unit_id))
            .subquery("facts"))
