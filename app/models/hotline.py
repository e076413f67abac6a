"""The 12345 hotline exchange: each work order (工单) the platform sent, as received, linked to its case."""
import json

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class HotlineOrder(db.Model):
    """One 12345 work order and the case it became: one row per (source platform, order number), so the same
    order delivered twice is one case. Its fields are the order's latest version; `raw` keeps what was sent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    source: Mapped[str] = mapped_column(String(40))           # the platform, e.g. "12345"
    order_no: Mapped[str] = mapped_column(String(64))         # 工单编号, unique per source
    caller_name: Mapped[str] = mapped_column(String(40), default="")
    caller_phone: Mapped[str] = mapped_column(String(30), default="")
    enterprise_name: Mapped[str] = mapped_column(String(120), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    matter: Mapped[str] = mapped_column(Text, default="")    # 诉求内容
    category_text: Mapped[str] = mapped_column(String(100), default="")  # the platform's category, as sent
    urgency_text: Mapped[str] = mapped_column(String(10), default="")    # 普通 / 紧急, as "normal" / "urgent"
    # 办理时限 as sent: a due moment and/or a number of working days from `received_at`.
    limit_due_at = mapped_column(UTCDateTime)
    limit_days: Mapped[int | None] = mapped_column(Integer)
    # The platform's time limit as one moment (the earlier of the two when both were sent): the case's
    # resolution clock takes it when it is earlier than the local policy's deadline.
    limit_at = mapped_column(UTCDateTime)
    received_at = mapped_column(UTCDateTime, nullable=False)
    attachments: Mapped[str] = mapped_column(Text, default="[]")  # [{"name", "url"} or {"name", "content"}]
    raw: Mapped[str] = mapped_column(Text, default="{}")
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime, nullable=False)
    updated_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("source", "order_no", name="uq_hotline_order_source_no"),)

    ticket = relationship("Ticket", back_populates="hotline_order")

    @property
    def attachment_list(self) -> list:
        """The attachments as sent (name and URL, or name and content)."""
        return json.loads(self.attachments or "[]")
