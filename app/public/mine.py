"""我的诉求: which cases a mobile number signed in by SMS may see, and what its page shows of them.

The rule. A number sees
- every case of an enterprise whose contact a supervisor verified with that number (Enterprise.contact_verified
  and Enterprise.mobile): the company's own contact speaks for all of its cases;
- and each case whose own contact mobile is that number (Ticket.contact_mobile): the person who gave the case,
  on the public form or to a secretary, sees that case, and nothing else of the company.
A mobile typed on the anonymous form is never a way into the company's other cases (anyone can type a company's
public credit code and their own number), and an enterprise's unverified contact (the first anonymous submitter's
number, kept on the company) opens nothing by itself. Several people of one company each sign in with their own
number and see their own cases, or all of them for the verified contact. The rule is read again on every request,
so a supervisor changing the verified contact takes the company's cases away from the old number at once.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.assessment import evaluation
from app.assessment.period import Month
from app.deadlines.policies import rating_deadline, rating_window_days
from app.enums import ClockKind, EventKind, TicketState as S
from app.extensions import db
from app.models import Enterprise, Remediation, Ticket, TicketClock, TicketEvent

MAX_CASES = 300  # the page lists the most recent ones; older ones stay reachable through their own links
_SHOWN_KINDS = (EventKind.REPLIED.value, EventKind.MEETING_HELD.value, EventKind.HELD.value, EventKind.REJECTED.value)


def _verified_enterprises(mobile: str):
    return select(Enterprise.id).where(Enterprise.contact_verified.is_(True), Enterprise.mobile == mobile)


def visible_to(mobile: str):
    """The SQL condition of the cases a signed-in number may see (the rule above)."""
    return or_(Ticket.contact_mobile == mobile, Ticket.enterprise_id.in_(_verified_enterprises(mobile)))


def is_known(mobile: str) -> bool:
    """Whether any enterprise has this number: a verified contact, or the contact of some case. Both lookups run
    for every number, so a known one takes no less work than an unknown one."""
    case = db.session.scalar(select(Ticket.id).where(visible_to(mobile)).limit(1))
    contact = db.session.scalar(_verified_enterprises(mobile).limit(1))
    return case is not None or contact is not None


def may_see(mobile: str, ticket) -> bool:
    """Whether a number signed in by SMS may open this case."""
    if not mobile:
        return False
    enterprise = ticket.enterprise
    return ticket.contact_mobile == mobile or bool(enterprise.contact_verified and enterprise.mobile == mobile)


@dataclass
class CaseRow:
    """One case on the page, with what the enterprise may read of it and what it is asked to do."""

    ticket: Ticket
    reply: TicketEvent | None = None        # the latest public reply
    conclusion: TicketEvent | None = None   # the latest meeting conclusion written for this case
    hold: TicketEvent | None = None         # why the case waits for the enterprise (on hold)
    rejection: TicketEvent | None = None    # why it was not accepted (不予受理)
    rate_by: datetime | None = None         # resolved: rated 基本满意 by default after this moment
    visit_by: datetime | None = None        # after a 差评: the return visit is due by then

    @property
    def asks(self) -> bool:
        """Whether the enterprise is asked to act: add information to a case on hold, or confirm and rate."""
        return self.ticket.state in (S.ON_HOLD, S.RESOLVED)


@dataclass
class EnterpriseCases:
    """One enterprise's part of the page: its cases, and the months its verified contact may evaluate."""

    enterprise: Enterprise
    verified: bool                              # this number is the enterprise's verified contact
    cases: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)  # [(Month, token, units to score, units scored)]


def _latest_events(ticket_ids) -> dict:
    newest = (select(func.max(TicketEvent.id)).where(
        TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.is_public.is_(True), TicketEvent.kind.in_(_SHOWN_KINDS))
        .group_by(TicketEvent.ticket_id, TicketEvent.kind))
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.id.in_(newest))).all()
    return {(e.ticket_id, e.kind): e for e in events}


def _for_this_case(event) -> bool:
    """A meeting conclusion written for this case: events written before conclusions were per case name the
    meeting by its subject and may concern other companies (Ticket.public_events keeps those off too)."""
    meeting = event.details.get("meeting")
    return isinstance(meeting, str) and meeting.startswith("#")


def _visits_due(ticket_ids) -> dict:
    rows = db.session.execute(select(Remediation.ticket_id, func.min(TicketClock.due_at)).join(
        TicketClock, TicketClock.remediation_id == Remediation.id).where(
        Remediation.ticket_id.in_(ticket_ids), Remediation.completed_at.is_(None),
        TicketClock.kind == ClockKind.REMEDIATION.value).group_by(Remediation.ticket_id)).all()
    return {ticket_id: due for ticket_id, due in rows}


def _evaluations(enterprise, now: datetime) -> list:
    """The months (this one and the last) the verified contact has units to score, with its personal link."""
    found = []
    for month in (Month.containing(now), Month.containing(now).previous()):
        units = evaluation.evaluation_units(enterprise.id, month)
        token = evaluation.evaluation_token(enterprise, month)
        if units and token:
            done = evaluation.evaluations_done(enterprise.id, month)
            found.append((month, token, len(units), len(done & set(units))))
    return found


def my_cases(mobile: str, now: datetime) -> tuple[list, bool]:
    """The page's content for a signed-in number: its enterprises (verified ones first, then by name), each with
    its visible cases, newest first; and whether older cases were left off (more than MAX_CASES)."""
    tickets = db.session.scalars(select(Ticket).where(visible_to(mobile), Ticket.number.is_not(None))
                                 .options(selectinload(Ticket.enterprise), selectinload(Ticket.category))
                                 .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_CASES + 1)).all()
    more = len(tickets) > MAX_CASES
    tickets = tickets[:MAX_CASES]
    ids = [t.id for t in tickets]
    events = _latest_events(ids) if ids else {}
    visits = _visits_due(ids) if ids else {}
    window = rating_window_days()
    groups: dict[int, EnterpriseCases] = {}
    for enterprise in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(_verified_enterprises(mobile)))):
        groups[enterprise.id] = EnterpriseCases(enterprise, True, evaluations=_evaluations(enterprise, now))
    for ticket in tickets:
        group = groups.setdefault(ticket.enterprise_id, EnterpriseCases(ticket.enterprise, False))
        conclusion = events.get((ticket.id, EventKind.MEETING_HELD.value))
        group.cases.append(CaseRow(
            ticket, reply=events.get((ticket.id, EventKind.REPLIED.value)),
            conclusion=conclusion if conclusion is not None and _for_this_case(conclusion) else None,
            hold=events.get((ticket.id, EventKind.HELD.value)) if ticket.state == S.ON_HOLD else None,
            rejection=events.get((ticket.id, EventKind.REJECTED.value)) if ticket.state == S.REJECTED else None,
            rate_by=rating_deadline(ticket.resolved_at, window)
            if ticket.state == S.RESOLVED and ticket.resolved_at else None,
            visit_by=visits.get(ticket.id)))
    ordered = sorted(groups.values(), key=lambda g: (not g.verified, g.enterprise.name, g.enterprise.id))
    return ordered, more


def prefill(mobile: str, enterprise_id=None) -> dict | None:
    """The public form's company and contact fields for a signed-in number: the enterprise asked for (one of its
    own), or its only one; None when it has several and did not say which, or none. The contact's name is the
    verified contact's, or the one given with this number's latest case of that company."""
    own = db.session.scalars(select(Ticket.enterprise_id).where(visible_to(mobile)).distinct()).all()
    choices = set(own) | set(db.session.scalars(_verified_enterprises(mobile)).all())
    chosen = enterprise_id if enterprise_id in choices else (next(iter(choices)) if len(choices) == 1 else None)
    if chosen is None:
        return None
    enterprise = db.session.get(Enterprise, chosen)
    if enterprise.contact_verified and enterprise.mobile == mobile:
        name = enterprise.contact_name
    else:
        name = db.session.scalar(select(Ticket.contact_name).where(
            Ticket.enterprise_id == chosen, Ticket.contact_mobile == mobile).order_by(Ticket.id.desc()).limit(1))
    return {"enterprise_name": enterprise.name, "credit_code": enterprise.credit_code or "",
            "contact_name": name or "", "mobile": mobile, "enterprise_id": enterprise.id}
