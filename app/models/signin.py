"""An enterprise's way in without a password: one-time SMS codes, and the signed-in browsers they start."""
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class SigninCode(db.Model):
    """One sign-in code asked for a mobile number. Only an HMAC of the code (keyed with SECRET_KEY) is stored.

    A row is written for every request that passes the limits, for a number no enterprise has too (its code is
    never sent): the answer, the work done and the per-number limits are the same whoever asks."""

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(String(20), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime, nullable=False, index=True)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_at = mapped_column(UTCDateTime)


class EnterpriseSession(db.Model):
    """A browser signed in with a mobile number and its code: kept apart from staff sessions (LoginSession).
    Signing out ends it on the server, so a copied cookie stops working; it also ends when idle or too old."""

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the random key kept in the signed session cookie; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, index=True)
    seen_at = mapped_column(UTCDateTime, nullable=False)
    ended_at = mapped_column(UTCDateTime)
