"""Enterprises and the secretaries' visits to them."""
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class Enterprise(db.Model):
    """A company in the zone, identified by its unified social credit code when known."""

    # By name, ties by id, from the index alone (the evaluation invitations read every company's id in that order);
    # a secretary's companies' ids from the index alone (a condition of nearly every statement of her pages).
    __table_args__ = (Index("ix_enterprise_name", "name", "id"),
                      Index("ix_enterprise_secretary_id", "secretary_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    park: Mapped[str] = mapped_column(String(60), default="")
    industry: Mapped[str] = mapped_column(String(60), default="")
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="", index=True)
    # Whether staff have confirmed that contact_name/mobile really speak for the company. A contact typed on the
    # anonymous form is not: anyone can type a company's public credit code.
    contact_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Given on the first submission or by staff; messages about the whole company (the month's evaluation) go to
    # it only once the contact is verified.
    email: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # The company asked for no SMS: nothing is queued for it by SMS (email still goes).
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime)

    secretary = relationship("User")
    # The primary contact mirrors contact_name / mobile / contact_verified above (sign-in and evaluation links read
    # those columns); app/enterprises/desk.py keeps them in step.
    contacts = relationship("EnterpriseContact", back_populates="enterprise", order_by="EnterpriseContact.position",
                            cascade="all, delete-orphan")

    @property
    def primary_contact(self):
        """The contact marked primary, if any."""
        return next((c for c in self.contacts if c.is_primary), None)

    def mirror_primary(self) -> None:
        """Copy the primary contact onto contact_name / mobile / contact_verified, which the SMS sign-in, messages
        and evaluation links read (no primary: nobody speaks for the company)."""
        primary = self.primary_contact
        self.contact_name = primary.name if primary else ""
        self.mobile = primary.mobile if primary else ""
        self.contact_verified = bool(primary and primary.verified and primary.mobile)


class EnterpriseContact(db.Model):
    """One person who speaks for an enterprise: name, title, mobile; one of them is the primary contact."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(40), default="", server_default="")
    mobile: Mapped[str] = mapped_column(String(20), default="", server_default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    enterprise = relationship("Enterprise", back_populates="contacts")


class EnterpriseEvent(db.Model):
    """One append-only entry of an enterprise's history: who changed what, when, before and after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    at = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    # JSON: {"field label": [before, after], …}
    changes: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_enterprise_event_enterprise_at", "enterprise_id", "at"),)


class Visit(db.Model):
    """A secretary's visit (走访), forum or call with an enterprise, and what was found."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    secretary_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    participants: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime)

    enterprise = relationship("Enterprise")
    secretary = relationship("User")
    tickets = relationship("Ticket", back_populates="visit")
