"""What meetings ask of a person: the meetings they attend soon, and the open action items they own."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import any_, false, func, or_, select, true

from app.enums import ActionItemStatus, MeetingStatus, Role
from app.extensions import db
from app.models import ActionItem, Meeting, MeetingInvite, Ticket, TicketClock
from app.models.meeting import meeting_ticket
from app.tickets.access import visible_filter
from app.models.deadline import running_looked_up_by_key


@dataclass(slots=True)
class MeetingRow:
    """What the meetings list and the workspace show of a meeting (the list with its cases' numbers)."""

    id: int
    starts_at: datetime
    subject: str
    place: str
    status: MeetingStatus
    ticket_numbers: list = field(default_factory=list)


@dataclass(slots=True)
class ItemRow:
    """What the meetings list and the workspace show of an open action item."""

    id: int
    meeting_id: int
    title: str
    ticket_number: str


def _meeting_values():
    """The columns of a MeetingRow (its case numbers are read apart)."""
    return select(Meeting.id, Meeting.starts_at, Meeting.subject, Meeting.place, Meeting.status)


def _item_values():
    """The columns of an ItemRow."""
    return (select(ActionItem.id, ActionItem.meeting_id, ActionItem.title, Ticket.number)
            .join(Ticket, Ticket.id == ActionItem.ticket_id))


def upcoming_for(user, now):
    """(meetings in the coming two weeks the person's department is invited to or convened, as MeetingRow; open
    action items owned by their department, as (ItemRow, its running clock's level and due time or None)), for the
    workspace. Read as values: as ORM meetings, items, their whole cases and clocks they were 20 ms of a secretary's
    workspace under the profiler at 1,000,000 cases."""
    meetings_q = _meeting_values().where(Meeting.starts_at >= now - timedelta(days=1),
                                         Meeting.starts_at <= now + timedelta(days=14))
    if user.is_officer:
        # On SQLite `id + 0`: the fortnight's meetings by start, each tested against the department's invitations;
        # by id it looked up every meeting the department was ever invited to (1,489: 2.7 -> 0.5 ms).
        meeting_id = Meeting.id + 0 if db.engine.dialect.name == "sqlite" else Meeting.id
        meetings_q = meetings_q.where(meeting_id.in_(select(MeetingInvite.meeting_id).where(
            MeetingInvite.department_id == user.department_id)))
    elif user.is_secretary:
        meetings_q = meetings_q.where(Meeting.convened_by_id == user.id)
    elif not user.is_supervisor:
        return [], []
    items_q = _item_values().where(ActionItem.status == ActionItemStatus.OPEN)
    if user.is_officer:
        items_q = items_q.where(ActionItem.owner_department_id == user.department_id)
    elif user.is_secretary:
        hers = select(Meeting.id).where(Meeting.convened_by_id == user.id)
        # Her meetings' open items from (meeting_id, status) alone. As IN (subquery) PostgreSQL walked every action
        # item by id to find 50 of hers (3.4-5.4 ms at 1,000,000 cases); as an array it probes each meeting (2.6).
        items_q = items_q.where(ActionItem.meeting_id == any_(func.array(hers.scalar_subquery()))
                                if db.engine.dialect.name == "postgresql" else ActionItem.meeting_id.in_(hers))
    items = [ItemRow(*row) for row in db.session.execute(items_q.order_by(ActionItem.id).limit(50))]
    clocks = {row.action_item_id: row for row in db.session.execute(
        select(TicketClock.action_item_id, TicketClock.level, TicketClock.due_at).where(
            TicketClock.action_item_id.in_([i.id for i in items]), running_looked_up_by_key()))} if items else {}
    meetings = [MeetingRow(*row) for row in db.session.execute(meetings_q.order_by(Meeting.starts_at).limit(20))]
    return meetings, [(i, clocks.get(i.id)) for i in items]


MEETINGS_PER_PAGE = 50


def visible_meetings(user):
    """A SQL condition selecting the meetings `user` may open (services.can_view): supervisors and admins all; an
    officer those their department is invited to or owns an action item of; a secretary those whose every case
    she may see (she may run them)."""
    if user.has_role(Role.SUPERVISOR, Role.ADMIN):
        return true()
    if user.is_officer:
        # On SQLite `id + 0` keeps the page walking the meetings by start and testing each against the two sets;
        # by id it looked up each of the department's 3,500 meetings and sorted them all (12.5 -> 3.4 ms at
        # 1,000,000 cases). PostgreSQL hashes both sets and walks the start index either way.
        meeting_id = Meeting.id + 0 if db.engine.dialect.name == "sqlite" else Meeting.id
        return or_(meeting_id.in_(select(MeetingInvite.meeting_id).where(
                       MeetingInvite.department_id == user.department_id)),
                   meeting_id.in_(select(ActionItem.meeting_id).where(
                       ActionItem.owner_department_id == user.department_id)))
    if user.is_secretary:
        # Checked per meeting, newest first, so a page stops after its own length of her meetings: a count per
        # meeting, because PostgreSQL turns NOT EXISTS into an anti-join that first finds every hidden case of every
        # meeting (4.1 s at 1,000,000 cases). "Not visible" goes through coalesce: an unknown (NULL) is not visible.
        hidden = select(func.count()).select_from(meeting_ticket).join(
            Ticket, Ticket.id == meeting_ticket.c.ticket_id).where(
            meeting_ticket.c.meeting_id == Meeting.id, ~func.coalesce(visible_filter(user), false()))
        return hidden.scalar_subquery() == 0
    return false()


def meeting_page(user, page: int) -> tuple[list[MeetingRow], bool]:
    """One page of the meetings `user` may open, the latest first, with their cases' numbers, and whether another
    page follows (not counted: a secretary's meetings are found by checking every meeting's cases)."""
    # The page's ids first, then its rows: with whole rows SQLite read every meeting of an officer's department
    # (agenda and minutes included) to sort them for 50. The rows are values: as ORM meetings with their cases and
    # invitations a page built about 250 objects for a date, a subject, a place and case numbers.
    ids = db.session.scalars(
        select(Meeting.id).where(visible_meetings(user)).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(MEETINGS_PER_PAGE + 1).offset((page - 1) * MEETINGS_PER_PAGE)).all()
    shown = ids[:MEETINGS_PER_PAGE]
    if not shown:
        return [], len(ids) > MEETINGS_PER_PAGE
    rows = {row[0]: MeetingRow(*row) for row in db.session.execute(_meeting_values().where(Meeting.id.in_(shown)))}
    for meeting_id, number in db.session.execute(
            select(meeting_ticket.c.meeting_id, Ticket.number).join(Ticket, Ticket.id == meeting_ticket.c.ticket_id)
            .where(meeting_ticket.c.meeting_id.in_(shown)).order_by(Ticket.id)):
        rows[meeting_id].ticket_numbers.append(number)
    return [rows[i] for i in shown if i in rows], len(ids) > MEETINGS_PER_PAGE


def open_items_of(department_id, limit=50) -> tuple[list, int]:
    """The department's open action items, the soonest due first, as (ItemRow, its running clock's due time or
    None), and how many are open in all."""
    # Ids first, then their clocks by id, sorted here: joined in one statement, PostgreSQL merged the items with
    # every action item's clock in id order (87 ms at 1,000,000 cases, against 2 ms for these look-ups).
    ids = db.session.scalars(select(ActionItem.id).where(ActionItem.owner_department_id == department_id,
                                                         ActionItem.status == ActionItemStatus.OPEN)).all()
    due = dict(db.session.execute(select(TicketClock.action_item_id, TicketClock.due_at).where(
        TicketClock.action_item_id.in_(ids), running_looked_up_by_key())).all()) if ids else {}
    first = sorted(ids, key=lambda i: (due.get(i) is None, due.get(i) or 0, i))[:limit]
    items = {row[0]: ItemRow(*row) for row in db.session.execute(
        _item_values().where(ActionItem.id.in_(first)))} if first else {}
    return [(items[i], due.get(i)) for i in first if i in items], len(ids)
