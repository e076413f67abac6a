"""Deadline data: the calendar's overrides, policies, each ticket's clocks, level changes, extensions, the
notification outbox and the duty roster."""
from datetime import date

from sqlalchemy import (Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, func,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import ExtensionStatus, SlaLevel
from app.extensions import db
from app.models.types import LabeledEnumColumn, UTCDateTime


class CalendarOverride(db.Model):
    """An admin's correction of the statutory calendar for one date: a holiday or a working day."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime)


class CalendarNotice(db.Model):
    """A State Council notice imported for one year: from then on that year's schedule counts as known (its days
    are the overrides the import wrote). One row per import, so who imported it and when stays on record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    holidays_text: Mapped[str] = mapped_column(Text, default="")
    workdays_text: Mapped[str] = mapped_column(Text, default="")
    days_off: Mapped[int] = mapped_column(Integer, default=0)
    workdays: Mapped[int] = mapped_column(Integer, default=0)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    imported_at = mapped_column(UTCDateTime, nullable=False)

    imported_by = relationship("User")


class SlaPolicy(db.Model):
    """Targets for a category and urgency; the row with neither is the default."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    urgency: Mapped[str | None] = mapped_column(String(10))
    acknowledge_hours: Mapped[int] = mapped_column(Integer, default=24)
    first_reply_wd: Mapped[int] = mapped_column(Integer, default=1)
    sign_off_wd: Mapped[int] = mapped_column(Integer, default=1)
    resolution_wd: Mapped[int] = mapped_column(Integer, default=5)
    convened_wd: Mapped[int] = mapped_column(Integer, default=25)
    follow_up_wd: Mapped[int] = mapped_column(Integer, default=3)
    # 差评整改: a 不满意 or 非常不满意 rating must be remediated and return-visited within this many working days.
    remediation_wd: Mapped[int] = mapped_column(Integer, default=15, server_default=text("15"))
    warning_percent: Mapped[int] = mapped_column(Integer, default=75)
    supervise_after_wd: Mapped[int] = mapped_column(Integer, default=2)
    escalate_after_wd: Mapped[int] = mapped_column(Integer, default=5)
    updated_at = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("category_id", "urgency", name="uq_sla_policy_scope"),)

    category = relationship("Category")


# A running clock at or past its deadline (the overdue board's rows).
LATE_OPEN = "stopped_at IS NULL AND level IN ('overdue', 'supervised', 'escalated')"
# A settled clock whose calendar-corrected due time waits for its month to be published again.
HELD = "calendar_due_at IS NOT NULL"


class TicketClock(db.Model):
    """One running or finished SLA clock of a ticket, with the targets it started with (a snapshot)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    action_item_id: Mapped[int | None] = mapped_column(ForeignKey("action_item.id"))
    remediation_id: Mapped[int | None] = mapped_column(ForeignKey("remediation.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id"))
    unit: Mapped[str] = mapped_column(String(15))
    amount: Mapped[int] = mapped_column(Integer)
    warning_percent: Mapped[int] = mapped_column(Integer)
    supervise_after_wd: Mapped[int] = mapped_column(Integer)
    escalate_after_wd: Mapped[int] = mapped_column(Integer)
    started_at = mapped_column(UTCDateTime, nullable=False)
    stopped_at = mapped_column(UTCDateTime)
    due_at = mapped_column(UTCDateTime)
    level: Mapped[SlaLevel] = mapped_column(LabeledEnumColumn(SlaLevel, 12), default=SlaLevel.OK)
    # When the sweep must look at this clock again; NULL once nothing more can happen to it.
    next_check_at = mapped_column(UTCDateTime, index=True)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # A resolution clock whose case was convened: it runs on the convened budget from its original start, and
    # keeps it after the plan is decided and through a recomputation.
    convened: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How a clock ended other than by its holder's act: "not_needed" for a department's sign-off that the case
    # no longer needed (resolved or closed, or the part withdrawn, before the department signed or returned).
    outcome: Mapped[str | None] = mapped_column(String(20))
    # A settled clock whose month is published keeps its due time (the published figures stand); a later calendar
    # correction that would move it leaves the corrected due time here until that month is republished.
    calendar_due_at = mapped_column(UTCDateTime)
    # An outside time limit on a resolution clock (the 12345 platform's 办理时限): the due time is the earlier of it
    # and the policy's budget.
    limit_at = mapped_column(UTCDateTime)
    # A secretary's deadline (acknowledge, first reply, resolution) already decided when the case changed hands
    # stays with the secretary who held it then (`holder_id`, None for the pool): taking over a late case never
    # takes over its breach. Until then it follows the case's secretary.
    holder_fixed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    holder_id: Mapped[int | None] = mapped_column(Integer)

    # The monthly assessment reads one kind of clock over a range of due times; the columns after due_at let the
    # deadline-based 办结率 of a year (420,000 clocks at 1,000,000 cases) read the index alone (bench/README.md).
    __table_args__ = (Index("ix_ticket_clock_kind_due", "kind", "due_at", "stopped_at", "outcome", "ticket_id", "id"),
                      # Clocks met within a month (a month's figures): see assessment.facts.decided_in.
                      Index("ix_ticket_clock_kind_stopped", "kind", "stopped_at"),
                      # the overdue board and its counts: running clocks by level, in deadline order
                      Index("ix_ticket_clock_open_level", "stopped_at", "level", "due_at"),
                      # the board's page: running clocks in deadline order, the level read from the index (the
                      # late ones are the oldest due, so a page stops after about its own length)
                      Index("ix_ticket_clock_open_due", "stopped_at", "due_at", "level"),
                      # the board's default page, the late running clocks in deadline order: read in order from this
                      # index, where PostgreSQL's estimate of "running and late" (1,285 for 57,072) chose a sort
                      Index("ix_ticket_clock_late", "due_at", "id", sqlite_where=text(LATE_OPEN),
                            postgresql_where=text(LATE_OPEN)),
                      # a case's clocks of one kind, when they stopped and started: the centre's received-based
                      # 办结率 reads it alone for every case of the year
                      Index("ix_ticket_clock_ticket_kind", "ticket_id", "kind", "stopped_at", "started_at"),
                      # an action item's or a department part's clock (workspaces, meeting pages)
                      Index("ix_ticket_clock_action_item", "action_item_id"),
                      Index("ix_ticket_clock_assignment", "assignment_id"),
                      # the few stopped clocks holding a calendar correction back for a published month: read on
                      # every publication (the whole table without it: 0.9 s on PostgreSQL, 2.6 s on SQLite at
                      # 1,000,000 cases)
                      Index("ix_ticket_clock_held", "id", sqlite_where=text(HELD), postgresql_where=text(HELD)))

    ticket = relationship("Ticket", back_populates="clocks")
    assignment = relationship("Assignment")
    action_item = relationship("ActionItem")
    remediation = relationship("Remediation", back_populates="clocks")
    pauses = relationship("ClockPause", back_populates="clock", order_by="ClockPause.id")
    extensions = relationship("Extension", back_populates="clock", order_by="Extension.id")

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    @property
    def open_pause(self):
        return next((p for p in self.pauses if p.ended_at is None), None)



def running_looked_up_by_key():
    """"Running" (stopped_at IS NULL) for clocks found by another key (their case, part or action item), written so
    that no index on stopped_at serves it: SQLite's statistics count the NULLs of stopped_at as distinct values,
    take "IS NULL" for rare and walk every running clock instead (300 ms a page at 1,000,000 cases)."""
    return func.coalesce(TicketClock.stopped_at, None).is_(None)


class ClockPause(db.Model):
    """A stretch during which a clock stood still (the ticket was on hold)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("ticket_clock.id"), index=True)
    started_at = mapped_column(UTCDateTime, nullable=False)
    ended_at = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")

    clock = relationship("TicketClock", back_populates="pauses")


class ClockLevelChange(db.Model):
    """A clock reaching a level under one due time: recorded exactly once, whatever the sweep does.

    When a later due time takes the level away again (an extension, a hold, a calendar correction), the row
    stays, marked withdrawn; reaching the level under the new due time is a new row."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("ticket_clock.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    level: Mapped[SlaLevel] = mapped_column(LabeledEnumColumn(SlaLevel, 12))
    at = mapped_column(UTCDateTime, nullable=False)
    due_at = mapped_column(UTCDateTime)  # the due time the level was computed from
    withdrawn_at = mapped_column(UTCDateTime)

    # One standing record per clock and level; withdrawn ones are history and never block the real one.
    __table_args__ = (Index("uq_clock_level_change_live", "clock_id", "level", unique=True,
                            sqlite_where=text("withdrawn_at IS NULL"),
                            postgresql_where=text("withdrawn_at IS NULL")),)


class Extension(db.Model):
    """延期: a request for more working days on a clock, approved or rejected by a supervisor."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("ticket_clock.id"))
    days: Mapped[int] = mapped_column(Integer)  # what the requester asked for
    reason: Mapped[str] = mapped_column(Text)
    # The supervisors' menu counts pending requests on every page.
    status: Mapped[ExtensionStatus] = mapped_column(LabeledEnumColumn(ExtensionStatus, 10),
                                                    default=ExtensionStatus.PENDING, index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    # An approval sets a new due time: the end of `new_due_on`, or the end of the `new_due_days`-th working day
    # after the approval day. Rows approved before that have neither and added `days` to the budget.
    new_due_on: Mapped[date | None] = mapped_column(Date)
    new_due_days: Mapped[int | None] = mapped_column(Integer)
    due_before = mapped_column(UTCDateTime)  # the clock's due time just before and just after the decision
    due_after = mapped_column(UTCDateTime)

    clock = relationship("TicketClock", back_populates="extensions")
    ticket = relationship("Ticket")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class Notification(db.Model):
    """The outbox: one message for one person (in-app, email), one webhook, or one message to an enterprise (SMS,
    email), delivered with retries."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # in_app | email | webhook | sms
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    address: Mapped[str] = mapped_column(String(300), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, nullable=False)
    read_at = mapped_column(UTCDateTime)
    sent_at = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Sent whatever the hour: the 24-hour clock's warnings and breaches to the person on duty.
    immediate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set on a message to an enterprise: it keeps the enterprise's hours (08:00–21:00 every day), not the staff's.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    # What the SMS gateway called the message it accepted, for tracing it with the operator.
    external_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # A message that must exist once only (one evaluation invitation per enterprise, month and address).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),
                      Index("ix_notification_outbox", "channel", "sent_at", "next_attempt_at"))

    user = relationship("User")
    ticket = relationship("Ticket")
    enterprise = relationship("Enterprise")


class DutyShift(db.Model):
    """值班: one person on duty for one date (Beijing), nights and weekends included."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("day", "user_id", name="uq_duty_shift_day_user"),)

    user = relationship("User", foreign_keys=[user_id])


class WorkerHeartbeat(db.Model):
    """The last time a background job ran, for health checks and the admin page."""

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at = mapped_column(UTCDateTime, nullable=False)
    detail: Mapped[str] = mapped_column(String(300), default="")
