"""The centre's month in figures: what came in, by which channel and category, what was done, how fast and
how well. Each figure is one aggregate query; the result is plain data so a published month can freeze it."""
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from app.assessment.facts import decided_in, last_rating_in, merged_ids, on_time, resolution_due_in, satisfied
from app.assessment.period import Month
from app.display import due_text, local
from app.enums import BAD_SATISFACTION, ENDED_UNHANDLED, Channel, ClockKind, EventKind, Satisfaction
from app.extensions import db
from app.models import (Category, Milestone, Procedure, ProjectStage, Rating, Remediation, ReturnVisit, ScoreExclusion,
                        StagedCase, StagedClock, Ticket, TicketClock, TicketEvent, Visit)

TREND_MONTHS = 6


def _rate(earned, counted):
    return round(100.0 * earned / counted, 1) if counted else None


def _count(query):
    return int(db.session.scalar(query) or 0)


def _tickets_with_event(kind, month):
    # A duplicate merged into another case (并单) counts once, as the kept case.
    return _count(select(func.count(TicketEvent.ticket_id.distinct())).where(
        TicketEvent.kind == kind.value, TicketEvent.at >= month.start, TicketEvent.at < month.end,
        ~TicketEvent.ticket_id.in_(merged_ids())))


def _not_merged():
    return Ticket.merged_into_id.is_(None)


def received(month) -> int:
    """Tickets that came in during the month (a merged duplicate counts once, as the kept case)."""
    # count(*), not count(id): ix_ticket_created_report holds no id on PostgreSQL, so counting ids read each case's
    # row from the table (48,321 rows, 30,729 pages: 160-900 ms a month at 1,000,000 cases) instead of the index
    # alone (7-33 ms). A month's trend counts its five months before this way, those not published (bench/README.md).
    return _count(select(func.count()).select_from(Ticket).where(Ticket.created_at >= month.start,
                                                                 Ticket.created_at < month.end, _not_merged()))


def _not_excluded():
    return ~TicketClock.ticket_id.in_(select(ScoreExclusion.ticket_id)) & ~TicketClock.ticket_id.in_(merged_ids())


def decided_clocks(month, now, *, ticket_ids=None, kind=None):
    """The clocks decided in the month (by `now`; excluded and merged cases left out), each as (ticket id, clock id,
    kind, met); only these `ticket_ids`, or only this `kind`, if given."""
    query = select(TicketClock.ticket_id, TicketClock.id, TicketClock.kind,
                   case((on_time(), True), else_=False)).where(decided_in(month, now), _not_excluded())
    if ticket_ids is not None:
        query = query.where(TicketClock.ticket_id.in_(ticket_ids))
    if kind is not None:
        query = query.where(TicketClock.kind == kind)
    return query


def on_time_by_kind(month, now, stage_id: int | None = None) -> dict:
    """Per clock kind: clocks decided in the month and how many of them in time (excluded tickets left out); from the
    clocks the month's stage keeps if `stage_id` is given (brought up to date by the caller)."""
    if stage_id is not None:
        query = (select(StagedClock.kind, func.count(), func.sum(case((StagedClock.on_time, 1), else_=0)))
                 .where(StagedClock.stage_id == stage_id).group_by(StagedClock.kind))
    else:
        ok = on_time()
        query = (select(TicketClock.kind, func.count(), func.sum(case((ok, 1), else_=0)))
                 .where(decided_in(month, now), _not_excluded()).group_by(TicketClock.kind))
    found = {kind: {"counted": int(n), "on_time": int(k or 0), "rate": _rate(k or 0, n)}
             for kind, n, k in db.session.execute(query).all()}
    return {k.value: found.get(k.value, {"counted": 0, "on_time": 0, "rate": None}) for k in ClockKind}


def _counted_received(year_start, end) -> tuple:
    """When a case counts in the received-based 办结率 of the year to `end`: received in [year_start, end), not refused
    at intake or returned to the 12345 platform (退单) by `end` (never the centre's case to resolve), not merged, not
    excluded from scoring."""
    refused = and_(Ticket.state.in_(ENDED_UNHANDLED), Ticket.closed_at < end)
    return (Ticket.created_at >= year_start, Ticket.created_at < end, ~refused, _not_merged(),
            ~Ticket.id.in_(select(ScoreExclusion.ticket_id)))


def _resolved_at(end):
    """A case stood resolved or closed at `end`: of its resolution clocks started by then there is one, and every one
    of them stopped before `end` (a case resolved, reopened and still open at `end` is not resolved)."""
    # The minimum of "stopped before end" is 1. One probe of (ticket_id, kind, stopped_at, started_at) per case, where
    # two EXISTS made two (bench/README.md: with the month in the same pass, 2.7 → 2.1 s for both 办结率 of a month at
    # 1,000,000 cases).
    stopped_by_end = case((and_(TicketClock.stopped_at.is_not(None), TicketClock.stopped_at < end), 1), else_=0)
    return (select(func.min(stopped_by_end))
            .where(TicketClock.ticket_id == Ticket.id, TicketClock.kind == ClockKind.RESOLUTION.value,
                   TicketClock.started_at < end)
            .scalar_subquery() == 1)


def received_cases(month, *, ticket_ids=None, received_in=None):
    """The cases the received-based 办结率 of `month` counts (its year to its end), each as (id, received in the month,
    resolved at its end); only these `ticket_ids`, or only those received in the month `received_in`, if given."""
    query = select(Ticket.id, case((Ticket.created_at >= month.start, True), else_=False),
                   case((_resolved_at(month.end), True), else_=False)).where(
        *_counted_received(Month(month.year, 1).start, month.end))
    if ticket_ids is not None:
        query = query.where(Ticket.id.in_(ticket_ids))
    if received_in is not None:
        query = query.where(Ticket.created_at >= received_in.start, Ticket.created_at < received_in.end)
    return query


def _received_rates(year_start, month_start, end) -> tuple[dict, dict]:
    """办结率 as the centre reports it, for the month and the year to date at once: cases received in [start, end)
    and counted (`_counted_received`), and how many of them stood resolved or closed at `end`."""
    # Grouped by "in the month" so that the correlated subquery is written (and run) once per case.
    in_month = case((Ticket.created_at >= month_start, 1), else_=0)
    counts = {bool(m): (n, k) for m, n, k in db.session.execute(
        select(in_month, func.count(), func.sum(case((_resolved_at(end), 1), else_=0)))
        .where(*_counted_received(year_start, end)).group_by(in_month))}
    return _month_and_year(counts)


def _staged_received_rates(stage_id: int) -> tuple[dict, dict]:
    """The received-based 办结率 of a staged month, month and year to date, from the cases its stage keeps (brought up
    to date by the caller): a sum over a narrow table instead of a probe of every case's clocks."""
    counts = {bool(m): (n, k) for m, n, k in db.session.execute(
        select(StagedCase.in_month, func.count(), func.sum(case((StagedCase.done, 1), else_=0)))
        .where(StagedCase.stage_id == stage_id).group_by(StagedCase.in_month))}
    return _month_and_year(counts)


def _month_and_year(counts: dict) -> tuple[dict, dict]:
    month_n, month_k = counts.get(True, (0, 0))
    before_n, before_k = counts.get(False, (0, 0))
    return _fraction(month_n, month_k), _fraction(month_n + before_n, (month_k or 0) + (before_k or 0))


def _deadline_rates(year_start, month_start, end, now) -> tuple[dict, dict]:
    """办结率 by deadlines, for the month and the year to date at once: resolution clocks due in [start, end) and
    settled, and how many were met in time."""
    in_month = TicketClock.due_at >= month_start
    n, k, month_n, month_k = db.session.execute(
        select(func.count(), func.sum(case((on_time(), 1), else_=0)), func.sum(case((in_month, 1), else_=0)),
               func.sum(case((and_(in_month, on_time()), 1), else_=0)))
        .where(resolution_due_in(year_start, end, now), _not_excluded())).one()
    return _fraction(month_n, month_k), _fraction(n, k)


def _fraction(n, k) -> dict:
    """A 办结率 as stored: what was counted, what was done, and the rate."""
    return {"counted": int(n or 0), "done": int(k or 0), "rate": _rate(k or 0, n or 0)}


def completion_rates(month, now, stage_id: int | None = None) -> dict:
    """Both 办结率 of the centre, for the month and for the year to its end: {"received" | "deadline":
    {"month" | "ytd": {"counted", "done", "rate"}}}. `stage_id`: the month's stage, just brought up to date, whose
    cases give the received-based one."""
    year_start = Month(month.year, 1).start
    if stage_id is not None:
        received_month, received_ytd = _staged_received_rates(stage_id)
    else:
        received_month, received_ytd = _received_rates(year_start, month.start, month.end)
    deadline_month, deadline_ytd = _deadline_rates(year_start, month.start, month.end, now)
    return {"received": {"month": received_month, "ytd": received_ytd},
            "deadline": {"month": deadline_month, "ytd": deadline_ytd}}


def completion_text(basis: str, fig: dict | None) -> str:
    """How a 办结率 reads everywhere, the rate and what it divides: 66.7%（已办结 4 ÷ 收到 6）."""
    if not fig:
        return "—"
    rate = "—" if fig["rate"] is None else f"{fig['rate']:.1f}%"
    return _("%(rate)s（%(fraction)s）", rate=rate, fraction=completion_fraction(basis, fig))


def completion_fraction(basis: str, fig: dict) -> str:
    """The division behind a 办结率: 已办结 4 ÷ 收到 6, or 按期办结 5 ÷ 应办结 6."""
    if basis == "received":
        return _("已办结 %(k)d ÷ 收到 %(n)d", k=fig["done"], n=fig["counted"])
    return _("按期办结 %(k)d ÷ 应办结 %(n)d", k=fig["done"], n=fig["counted"])


def ratings(month) -> dict:
    """Satisfaction and solved rates of the month's ratings, each case once with its last rating of the month
    (excluded tickets left out, as in the scores); a default rating counts as satisfied and solved, and how many
    of the ratings were default ones is told apart."""
    n, happy, solved, default = db.session.execute(
        select(func.count(), func.sum(case((satisfied(), 1), else_=0)),
               func.sum(case((Rating.solved == "solved", 1.0), (Rating.solved == "partly", 0.5), else_=0.0)),
               func.sum(case((Rating.is_default.is_(True), 1), else_=0)))
        .where(last_rating_in(month.start, month.end), ~Rating.ticket_id.in_(select(ScoreExclusion.ticket_id)),
               ~Rating.ticket_id.in_(merged_ids()))).one()
    return {"counted": int(n or 0), "satisfaction": _rate(happy or 0, n or 0), "solved": _rate(solved or 0, n or 0),
            "default": int(default or 0)}


def remediations(month, now) -> dict:
    """差评整改率 and 回访率 of the month's 差评: every 不满意 or 非常不满意 rating given in the month (each rating once,
    each opened its own remediation; excluded tickets left out), how many have a return visit recorded by `now`
    (回访率), and how many of those found the enterprise satisfied (差评整改率), with a row per rating."""
    visit = and_(ReturnVisit.id.is_not(None), ReturnVisit.recorded_at <= now)
    rows = db.session.execute(
        select(Rating.satisfaction, Rating.created_at, Ticket.number, Ticket.title, TicketClock.due_at,
               TicketClock.stopped_at, ReturnVisit.visited_on, ReturnVisit.way, ReturnVisit.satisfied, visit)
        .join(Remediation, Remediation.rating_id == Rating.id).join(Ticket, Ticket.id == Rating.ticket_id)
        .outerjoin(TicketClock, and_(TicketClock.remediation_id == Remediation.id,
                                     TicketClock.kind == ClockKind.REMEDIATION.value))
        .outerjoin(ReturnVisit, ReturnVisit.id == Remediation.return_visit_id)
        .where(Rating.satisfaction.in_(BAD_SATISFACTION), Rating.created_at >= month.start,
               Rating.created_at < month.end, ~Rating.ticket_id.in_(select(ScoreExclusion.ticket_id)))
        .order_by(Rating.created_at, Rating.id)).all()
    lines, visited, remediated = [], 0, 0
    for sat, rated_at, number, title, due_at, stopped_at, visited_on, way, happy, seen in rows:
        seen = bool(seen)
        visited += seen
        remediated += seen and bool(happy)
        lines.append({"number": number, "title": title, "satisfaction": Satisfaction(sat).label,
                      "rated_at": local(rated_at), "due": due_text(due_at),
                      "visited_on": visited_on.isoformat() if seen else "", "way": way.label if seen else "",
                      "satisfied": bool(happy) if seen else None,
                      "in_time": (stopped_at is not None and due_at is not None and stopped_at <= due_at) if seen
                      else None})
    n = len(lines)
    return {"counted": n, "visited": visited, "remediated": remediated, "visit_rate": _rate(visited, n),
            "remediation_rate": _rate(remediated, n), "rows": lines}


def remediation_text(kind: str, fig: dict | None) -> str:
    """How 回访率 or 差评整改率 reads everywhere, with the division behind it: 66.7%（已回访 2 ÷ 差评 3）."""
    if not fig:
        return "—"
    if kind == "visit":
        rate, fraction = fig["visit_rate"], _("已回访 %(k)d ÷ 差评 %(n)d", k=fig["visited"], n=fig["counted"])
    else:
        rate, fraction = fig["remediation_rate"], _("整改后满意 %(k)d ÷ 差评 %(n)d", k=fig["remediated"],
                                                    n=fig["counted"])
    return _("%(rate)s（%(fraction)s）", rate="—" if rate is None else f"{rate:.1f}%", fraction=fraction)


def month_figures(month, now, stage_id: int | None = None) -> dict:
    """Every figure of the centre's monthly report, as plain data (the on-time rates from the clocks of the month's
    stage, brought up to date by the caller, if `stage_id` is given)."""
    in_month = and_(Ticket.created_at >= month.start, Ticket.created_at < month.end, _not_merged())
    channels = dict(db.session.execute(select(Ticket.channel, func.count()).where(in_month)
                                       .group_by(Ticket.channel)).all())
    categories = db.session.execute(
        select(Category.name, func.count()).join(Ticket, Ticket.category_id == Category.id)
        .where(in_month).group_by(Category.name).order_by(func.count().desc(), Category.name)).all()
    started = _count(select(func.count(Milestone.id)).join(ProjectStage, ProjectStage.id == Milestone.stage_id)
                     .where(ProjectStage.code == "start", Milestone.actual_on >= month.first_day,
                            Milestone.actual_on <= month.last_day))
    received_n, resolved_n = sum(channels.values()), _tickets_with_event(EventKind.RESOLVED, month)
    return {
        "month": str(month),
        "received": received_n,
        "by_channel": [[c.value, int(channels.get(c.value, 0))] for c in Channel],
        "by_category": [[name, int(n)] for name, n in categories],
        "accepted": _tickets_with_event(EventKind.ACCEPTED, month),
        "convened": _tickets_with_event(EventKind.CONVENED, month),
        "resolved": resolved_n,
        "closed": _tickets_with_event(EventKind.CLOSED, month),
        "on_time": on_time_by_kind(month, now, stage_id),
        "ratings": ratings(month),
        "remediation": remediations(month, now),
        "visits": _count(select(func.count(Visit.id)).where(Visit.visited_on >= month.first_day,
                                                            Visit.visited_on <= month.last_day)),
        "procedures_completed": _count(select(func.count(Procedure.id)).where(
            Procedure.approved_on >= month.first_day, Procedure.approved_on <= month.last_day)),
        "projects_started": started,
        "trend": trend(month, (received_n, resolved_n)),
    }


def trend(month, own=None) -> list:
    """Received and resolved for the month and the five before it, oldest first: a published month as published
    (the figures its report froze), the others counted now. `own`: the month's own (received, resolved), when the
    caller has just counted them (each count reads the month's 40,000 cases or its events: 0.3 s at 1,000,000)."""
    from app.assessment.publishing import latest_runs  # publishing imports this module

    months = [month]
    for _i in range(TREND_MONTHS - 1):
        months.insert(0, months[0].previous())
    frozen = latest_runs(months[:-1])
    points = []
    for m in months:
        center = frozen[str(m)].summary.get("center") if str(m) in frozen else None
        if center and "received" in center and "resolved" in center:
            points.append([str(m), center["received"], center["resolved"]])
        elif m == month and own is not None:
            points.append([str(m), *own])
        else:
            points.append([str(m), received(m), _tickets_with_event(EventKind.RESOLVED, m)])
    return points


def change(current, previous):
    """Month-on-month difference of two numbers (None when either is missing)."""
    if current is None or previous is None:
        return None
    return round(current - previous, 1)
