"""好差评 closed: the rating window's policy, remediations (整改) opened by a 差评, and the return visits (回访)
that complete them."""
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import ReturnVisitWay
from app.extensions import db
from app.models.types import LabeledEnumColumn, UTCDateTime

DEFAULT_RATING_DAYS = 7


class RatingPolicy(db.Model):
    """The centre's one row of 好差评 settings: a case resolved and not rated within `default_after_days` natural
    days is rated 基本满意 by default."""

    id: Mapped[int] = mapped_column(primary_key=True)
    default_after_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_RATING_DAYS)
    updated_at = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    updated_by = relationship("User")


class ReturnVisit(db.Model):
    """回访: the secretary went back to the enterprise after a 差评, and what it said."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    way: Mapped[ReturnVisitWay] = mapped_column(LabeledEnumColumn(ReturnVisitWay, 10))
    result: Mapped[str] = mapped_column(Text)
    satisfied: Mapped[bool] = mapped_column(Boolean)  # the enterprise is satisfied now
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at = mapped_column(UTCDateTime, nullable=False)

    recorded_by = relationship("User")


class Remediation(db.Model):
    """整改: opened by one 不满意 or 非常不满意 rating; its clock (a TicketClock of kind remediation) runs until a
    return visit completes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id"), unique=True)
    opened_at = mapped_column(UTCDateTime, nullable=False)
    # The supervisors' menu counts the open ones on every page.
    completed_at = mapped_column(UTCDateTime, index=True)
    return_visit_id: Mapped[int | None] = mapped_column(ForeignKey("return_visit.id"))

    ticket = relationship("Ticket", back_populates="remediations")
    rating = relationship("Rating")
    return_visit = relationship("ReturnVisit")
    clocks = relationship("TicketClock", back_populates="remediation", order_by="TicketClock.id")

    @property
    def is_open(self) -> bool:
        return self.completed_at is None

    @property
    def clock(self):
        """The remediation's clock (None before the unit of work that opened it is staged)."""
        return self.clocks[-1] if self.clocks else None
