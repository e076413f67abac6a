"""会办: convened meetings of departments and outside units, their minutes and action items."""
from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import ActionItemStatus, AssignmentRole, MeetingStatus
from app.extensions import db
from app.models.types import LabeledEnumColumn, UTCDateTime

meeting_ticket = Table(
    "meeting_ticket", db.metadata,
    Column("meeting_id", ForeignKey("meeting.id"), primary_key=True),
    Column("ticket_id", ForeignKey("ticket.id"), primary_key=True, index=True),
)


class Meeting(db.Model):
    """One convened meeting: it can settle several related tickets."""

    # Meetings by start, a secretary's by start: every workspace lists the next two weeks' (a secretary's, those
    # she convenes, and her meetings' open action items).
    __table_args__ = (Index("ix_meeting_convened_by_starts", "convened_by_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    starts_at = mapped_column(UTCDateTime, nullable=False, index=True)
    place: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MeetingStatus] = mapped_column(LabeledEnumColumn(MeetingStatus, 10), default=MeetingStatus.PLANNED)
    minutes_internal: Mapped[str] = mapped_column(Text, default="")
    minutes_public: Mapped[str] = mapped_column(Text, default="")  # the decisions the enterprise may read
    convened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime)
    held_at = mapped_column(UTCDateTime)
    plan_decided_at = mapped_column(UTCDateTime)

    tickets = relationship("Ticket", secondary=meeting_ticket, back_populates="meetings", order_by="Ticket.id")
    invites = relationship("MeetingInvite", back_populates="meeting", order_by="MeetingInvite.id")
    guests = relationship("MeetingGuest", back_populates="meeting", order_by="MeetingGuest.id")
    action_items = relationship("ActionItem", back_populates="meeting", order_by="ActionItem.id")
    convened_by = relationship("User")


class MeetingInvite(db.Model):
    """A department invited to a meeting, as lead or support, and whether it confirmed attendance."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(LabeledEnumColumn(AssignmentRole, 10))
    confirmed_at = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    meeting = relationship("Meeting", back_populates="invites")
    department = relationship("Department")
    confirmed_by = relationship("User")


class MeetingGuest(db.Model):
    """An outside unit at the meeting (design institute, survey unit, builder): a name and a contact, no account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    unit: Mapped[str] = mapped_column(String(120))
    contact: Mapped[str] = mapped_column(String(120), default="")

    meeting = relationship("Meeting", back_populates="guests")


class ActionItem(db.Model):
    """A decision's follow-through: an owner, a due date in working days (an SLA clock), and a status."""

    # A meeting's and a department's items with their status: the workspaces list the open ones
    __table_args__ = (Index("ix_action_item_meeting_id", "meeting_id", "status"),
                      Index("ix_action_item_owner_department_id", "owner_department_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    working_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[ActionItemStatus] = mapped_column(LabeledEnumColumn(ActionItemStatus, 10),
                                                     default=ActionItemStatus.OPEN)
    created_at = mapped_column(UTCDateTime)
    done_at = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    done_note: Mapped[str] = mapped_column(Text, default="")

    meeting = relationship("Meeting", back_populates="action_items")
    ticket = relationship("Ticket", back_populates="action_items")
    owner_department = relationship("Department")
    owner_user = relationship("User", foreign_keys=[owner_user_id])

    @property
    def owner_label(self) -> str:
        if self.owner_department is not None:
            return self.owner_department.name
        return self.owner_user.display_name if self.owner_user else ""
