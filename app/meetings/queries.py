"""What meetings ask of a person: the meetings they attend soon, and the open action items they own."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.enums import ActionItemStatus
from app.extensions import db
from app.models import ActionItem, Meeting, MeetingInvite, TicketClock
from app.models.deadline import running_looked_up_by_key


def upcoming_for(user, now):
    """(meetings in the coming two weeks the person's department is invited to or convened,
    open action items owned by their department with their clocks), for the workspace."""
    meetings_q = select(Meeting).where(Meeting.starts_at >= now - timedelta(days=1),
                                       Meeting.starts_at <= now + timedelta(days=14)).order_by(Meeting.starts_at)
    if user.is_officer:
        meetings_q = meetings_q.where(Meeting.id.in_(select(MeetingInvite.meeting_id).where(
            MeetingInvite.department_id == user.department_id)))
    elif user.is_secretary:
        meetings_q = meetings_q.where(Meeting.convened_by_id == user.id)
    elif not user.is_supervisor:
        return [], []
    items_q = select(ActionItem).where(ActionItem.status == ActionItemStatus.OPEN).options(selectinload(ActionItem.ticket))
    if user.is_officer:
        items_q = items_q.where(ActionItem.owner_department_id == user.department_id)
    elif user.is_secretary:
        items_q = items_q.where(ActionItem.meeting_id.in_(select(Meeting.id).where(Meeting.convened_by_id == user.id)))
    items = db.session.scalars(items_q.order_by(ActionItem.id).limit(50)).all()
    clocks = {c.action_item_id: c for c in db.session.scalars(select(TicketClock).where(
        TicketClock.action_item_id.in_([i.id for i in items]), running_looked_up_by_key()))} if items else {}
    return db.session.scalars(meetings_q.limit(20)).all(), [(i, clocks.get(i.id)) for i in items]
