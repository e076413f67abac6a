"""The audit trail of admin and supervisor changes to configuration: append-only, hash-chained."""
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class AuditRecord(db.Model):
    """One change: who, when, what (entity type, id, action), the changed fields before and after (JSON), and the
    SHA-256 chain link. Ids are given by the writer (previous id + 1) under a lock, so a gap means a deleted row."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at = mapped_column(UTCDateTime, nullable=False, index=True)
    # No foreign key: the trail outlives whatever it names and must never block or cascade.
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """The chain's last id and hash (one row, id 1): deleting the newest records leaves the head ahead of them."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
