"""Tickets, their department assignments, the append-only event log, attachments and ratings."""
import json

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import (ACTIVE_ASSIGNMENT, AssignmentRole, AssignmentStatus, Channel, EventKind, LinkSource,
                       ActionItemStatus, Satisfaction, SlaLevel, Solved, TicketState, Urgency)
from app.extensions import db
from app.models.types import LabeledEnumColumn, UTCDateTime


class CaseLabels:
    """A case's state, channel and urgency as their enums (each with its label and badge class): for the model and
    for a list's plain rows (app/tickets/rows.py)."""

    __slots__ = ()

    @property
    def state_enum(self) -> TicketState:
        return TicketState(self.state)

    @property
    def channel_enum(self) -> Channel:
        return Channel(self.channel)

    @property
    def urgency_enum(self) -> Urgency:
        return Urgency(self.urgency)


class Ticket(CaseLabels, db.Model):
    """One enterprise problem (诉求) and where it stands."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # indexed with the list's order below
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    urgency: Mapped[str] = mapped_column(String(10), default=Urgency.NORMAL.value)
    state: Mapped[TicketState] = mapped_column(LabeledEnumColumn(TicketState, 20))
    held_from: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    # An enterprise signed in by SMS sees the cases its number is the contact of (app/public/mine.py).
    contact_mobile: Mapped[str] = mapped_column(String(20), default="", index=True)
    contact_email: Mapped[str] = mapped_column(String(120), default="", server_default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    access_code_hash: Mapped[str] = mapped_column(String(64))
    submission_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime)
    accepted_at = mapped_column(UTCDateTime)
    first_replied_at = mapped_column(UTCDateTime)
    dispatched_at = mapped_column(UTCDateTime)
    resolved_at = mapped_column(UTCDateTime)
    closed_at = mapped_column(UTCDateTime)
    # When the centre got the case (a call answered, a 12345 order sent), if earlier than it was recorded: its
    # clocks run from then.
    received_at = mapped_column(UTCDateTime)
    # The nearest deadline among its running clocks and the worst level they reached; the queue sorts by these.
    due_at = mapped_column(UTCDateTime)
    # How the clock behind `due_at` counts ("hours" or "working_days"), so a badge reads it in its own unit.
    due_unit: Mapped[str | None] = mapped_column(String(15))
    sla_level: Mapped[SlaLevel] = mapped_column(LabeledEnumColumn(SlaLevel, 12), default=SlaLevel.OK)
    supervised_at = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # 并单: the case this one was closed into as a duplicate, when, and the state it left (undo returns to it).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    merged_at = mapped_column(UTCDateTime)
    merged_from: Mapped[str | None] = mapped_column(String(20))

    __mapper_args__ = {"version_id_col": version}
    # The list's two orders, as indexes the planner can walk instead of sorting every row.
    __table_args__ = (Index("ix_ticket_state_due", "state", "due_at", postgresql_include=["id"]),
                      # A secretary's list by state (the scope is "in intake, theirs, or their enterprises'"): the
                      # count reads this index alone instead of every row in that state (issue 13, bench/README.md).
                      # With the id, her cases by state as a set of ids, read from the index alone on PostgreSQL too.
                      # With the deadline and the first reply, her workspace queue is found and ordered from
                      # this index and the next alone (f29queue0001).
                      Index("ix_ticket_state_scope", "state", "secretary_id", "enterprise_id", "due_at",
                            "first_replied_at", postgresql_include=["id"]),
                      Index("ix_ticket_due_order", due_at.is_(None), due_at, id),
                      # The same deadline order within one secretary's cases.
                      Index("ix_ticket_secretary_due_order", "secretary_id", due_at.is_(None), due_at, id),
                      Index("ix_ticket_created_order", created_at, id),
                      # A month's (or a year's) cases as the report counts them, read from the index alone: received,
                      # by channel and category, and the received-based 办结率 (bench/README.md)
                      Index("ix_ticket_created_report", created_at, merged_into_id, "channel", "category_id", "state",
                            "closed_at"),
                      # The cases of a secretary's enterprises waiting on them (the workspace queue); with the id, her
                      # companies' cases as a set of ids, read from the index alone on PostgreSQL too.
                      Index("ix_ticket_enterprise_state", "enterprise_id", "state", "due_at", "first_replied_at",
                            postgresql_include=["id"]))

    enterprise = relationship("Enterprise")
    secretary = relationship("User")
    category = relationship("Category")
    visit = relationship("Visit", back_populates="tickets")
    project = relationship("Project", back_populates="tickets")
    assignments = relationship("Assignment", back_populates="ticket", order_by="Assignment.id")
    events = relationship("TicketEvent", back_populates="ticket", order_by="TicketEvent.id")
    attachments = relationship("Attachment", back_populates="ticket", order_by="Attachment.id")
    ratings = relationship("Rating", back_populates="ticket", order_by="Rating.id")
    clocks = relationship("TicketClock", back_populates="ticket", order_by="TicketClock.id")
    meetings = relationship("Meeting", secondary="meeting_ticket", back_populates="tickets", order_by="Meeting.id")
    action_items = relationship("ActionItem", back_populates="ticket", order_by="ActionItem.id")
    links = relationship("TrackingLink", back_populates="ticket", order_by="TrackingLink.id")
    remediations = relationship("Remediation", back_populates="ticket", order_by="Remediation.id")
    hotline_order = relationship("HotlineOrder", back_populates="ticket", uselist=False)
    merged_into = relationship("Ticket", remote_side=[id], back_populates="duplicates")
    duplicates = relationship("Ticket", back_populates="merged_into", order_by="Ticket.id")

    @property
    def open_action_items(self):
        """Meeting action items on this ticket that are not done yet."""
        return [i for i in self.action_items if i.status == ActionItemStatus.OPEN]

    @property
    def open_remediations(self):
        """Remediations (整改) of its 差评 still waiting for a return visit."""
        return [r for r in self.remediations if r.is_open]

    @property
    def active_assignments(self):
        """Assignments a department still holds (pending or signed)."""
        return [a for a in self.assignments if a.status in ACTIVE_ASSIGNMENT]

    @property
    def lead_assignment(self):
        """The active lead (主办) assignment, if any."""
        return next((a for a in self.active_assignments if a.role == AssignmentRole.LEAD.value), None)

    # A list row's names, as app/tickets/rows.CaseRow holds them: an officer's queue shows ORM cases in that row.
    @property
    def enterprise_name(self) -> str:
        return self.enterprise.name

    @property
    def category_name(self) -> str:
        return self.category.name

    @property
    def secretary_name(self) -> str | None:
        return self.secretary.display_name if self.secretary else None

    @property
    def lead_department(self) -> str | None:
        lead = self.lead_assignment
        return lead.department.name if lead else None

    @property
    def public_events(self):
        """Events the enterprise may see on its tracking page.

        Meeting events written before conclusions were per ticket name the meeting by its subject and carry the
        shared conclusion; on a ticket whose meetings covered other tickets too, they may be about another
        company, so they stay off the public page (staff still see them)."""
        shared = any(len(m.tickets) > 1 for m in self.meetings)
        return [e for e in self.events if e.is_public and not (shared and _old_meeting_event(e))]


LEADING_PART = "status = 'signed' AND role = 'lead'"


class Assignment(db.Model):
    """A department's part in a ticket: lead or support, and whether it signed or returned it."""

    # A department's parts by status, with their cases: the officer's queue reads the parts waiting for its
    # signature without its whole history, and the list counts a department's cases without reading a part.
    # By department and case: a department's cases each once, in order, so that counting them stops at the cap.
    # The parts a department leads and signed: an officer's queue asks it of each processing case by deadline.
    __table_args__ = (Index("ix_assignment_department_status", "department_id", "status", "ticket_id"),
                      Index("ix_assignment_department_id", "department_id", "ticket_id"),
                      Index("ix_assignment_leading", "department_id", "ticket_id", sqlite_where=text(LEADING_PART),
                            postgresql_where=text(LEADING_PART)))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    role: Mapped[AssignmentRole] = mapped_column(LabeledEnumColumn(AssignmentRole, 10))
    status: Mapped[AssignmentStatus] = mapped_column(LabeledEnumColumn(AssignmentStatus, 10),
                                                     default=AssignmentStatus.PENDING)
    instructions: Mapped[str] = mapped_column(Text, default="")
    return_reason: Mapped[str] = mapped_column(Text, default="")
    dispatched_at = mapped_column(UTCDateTime, index=True)
    signed_at = mapped_column(UTCDateTime)
    returned_at = mapped_column(UTCDateTime)
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    ticket = relationship("Ticket", back_populates="assignments")
    department = relationship("Department")

    @property
    def role_enum(self):
        return AssignmentRole(self.role)

    @property
    def status_enum(self):
        return AssignmentStatus(self.status)


class TicketEvent(db.Model):
    """One append-only entry of a ticket's history: who did what, when, before and after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    at = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[str] = mapped_column(Text, default="{}")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)

    # Monthly figures count events of a kind in a month, and enterprises active in a month.
    # The cases with an event of a kind in a month (the report's accepted, convened, resolved, closed and its trend),
    # counted from the index alone.
    __table_args__ = (Index("ix_ticket_event_kind_at", "kind", "at", "ticket_id"),
                      Index("ix_ticket_event_at_ticket", "at", "ticket_id"))

    ticket = relationship("Ticket", back_populates="events")
    # Loaded with the events, in one SELECT … IN per batch: a timeline of 100 events is not 100 more statements.
    attachments = relationship("Attachment", back_populates="event", lazy="selectin")

    @property
    def kind_enum(self):
        return EventKind(self.kind)

    @property
    def details(self) -> dict:
        """The before/after details recorded with the event."""
        return json.loads(self.data or "{}")


class Attachment(db.Model):
    """A file uploaded with a ticket, stored outside the web root under a generated name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_event.id"))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime)

    ticket = relationship("Ticket", back_populates="attachments")
    event = relationship("TicketEvent", back_populates="attachments")


class TrackingLink(db.Model):
    """A personal tracking link (/t/<token>) to one ticket's public page. Only the token's SHA-256 is stored: the
    token itself is shown once, to the enterprise on its receipt or to the staff member who issued it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[LinkSource] = mapped_column(LabeledEnumColumn(LinkSource, 10))
    created_at = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    ticket = relationship("Ticket", back_populates="links")
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def is_active(self) -> bool:
        """Whether the link still opens the ticket's page."""
        return self.revoked_at is None


class Rating(db.Model):
    """The enterprise's verdict on a resolved ticket: satisfaction and whether it was solved."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    satisfaction: Mapped[str] = mapped_column(String(1))
    solved: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, index=True)
    # Given by the sweep because the enterprise did not rate within the window (默认评价), not by the enterprise.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # A case gets at most one default rating, whatever the sweeps do.
    __table_args__ = (Index("uq_rating_default", "ticket_id", unique=True, sqlite_where=text("is_default"),
                            postgresql_where=text("is_default")),)

    ticket = relationship("Ticket", back_populates="ratings")

    @property
    def satisfaction_enum(self):
        return Satisfaction(self.satisfaction)

    @property
    def solved_enum(self):
        return Solved(self.solved)


_MEETING_EVENTS = {EventKind.CONVENED.value, EventKind.MEETING_HELD.value, EventKind.PLAN_DECIDED.value}


def _old_meeting_event(event) -> bool:
    """A meeting event in the shape written before per-ticket conclusions (the meeting named by its subject)."""
    if event.kind not in _MEETING_EVENTS:
        return False
    meeting = event.details.get("meeting")
    return not (isinstance(meeting, str) and meeting.startswith("#"))
