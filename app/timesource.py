"""The one source of "now": swap the clock in tests and in the demo seeder instead of sleeping."""
from datetime import datetime, timedelta, timezone

from flask import current_app


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that stands still until moved; used by tests and by the demo seeder."""

    def __init__(self, at: datetime):
        self.at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)

    def now(self) -> datetime:
        """Return the frozen time."""
        return self.at

    def advance(self, **delta) -> datetime:
        """Move the clock forward by a timedelta given as keyword arguments."""
        self.at += timedelta(**delta)
        return self.at

    def set(self, at: datetime) -> None:
        """Put the clock at a given time."""
        self.at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """Return "now" from the application's clock."""
    return current_app.extensions["jj_clock"].now()
