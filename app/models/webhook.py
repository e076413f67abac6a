"""Signed webhooks: the endpoints admins register and one delivery row per event and endpoint (the webhook outbox)."""
import json

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookEndpoint(db.Model):
    """A receiver an admin registered: where to post, the secret that signs, and which event types it wants."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    # Kept as is: signing needs the secret itself (a hash would not do). Shown once, when made or renewed.
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[str] = mapped_column(Text, default="[]")  # a JSON list of type names
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The 12345 platform's push-back endpoint: only events of cases it sent, that the exchange passes on.
    hotline_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at = mapped_column(UTCDateTime)
    secret_rotated_at = mapped_column(UTCDateTime)

    @property
    def types(self) -> list[str]:
        """The event types this endpoint receives."""
        return json.loads(self.event_types or "[]")


class WebhookDelivery(db.Model):
    """One event for one endpoint: its frozen JSON body, and every try's outcome. Never deleted; the rows of one
    endpoint go out in id order (the order their events happened), the next one only after this one left or
    failed for good."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)  # X-Jianjian-Delivery: the receiver's dedupe key
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_event.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(UTCDateTime, nullable=False)
    next_attempt_at = mapped_column(UTCDateTime)
    last_attempt_at = mapped_column(UTCDateTime)
    delivered_at = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")

    # The head of an endpoint's queue (its oldest pending row), and its page of deliveries newest first.
    __table_args__ = (Index("ix_webhook_delivery_queue", "endpoint_id", "status", "id"),
                      Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"))

    endpoint = relationship("WebhookEndpoint")
    event = relationship("TicketEvent")
