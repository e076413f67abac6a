"""API tokens: one per integration, shown once, only a hash stored (like personal tracking links)."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class ApiToken(db.Model):
    """A bearer token for /api/v1: its scopes, and whom it acts as (a department's officers, or one staff user)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # SHA-256 of the token; the token itself is shown once to the admin who created it and stored nowhere.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so an admin can tell which token an integration holds.
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated scope names
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    last_used_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    department = relationship("Department")
    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def scope_set(self) -> frozenset:
        """The token's scopes."""
        return frozenset((self.scopes or "").split())

    @property
    def is_active(self) -> bool:
        """Whether the token still opens the API."""
        return self.revoked_at is None
