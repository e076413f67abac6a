"""A month in Asia/Shanghai as the assessment sees it: 'YYYY-MM', its UTC bounds and its neighbours."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask_babel import gettext

from sla.calendar import SHANGHAI

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    """One calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None):
        """The month written as YYYY-MM, or None if it is not one (years 2000–2100)."""
        found = MONTH_RE.match(text or "")
        if not found:
            return None
        year, month = int(found.group(1)), int(found.group(2))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            return None
        return cls(year, month)

    @classmethod
    def containing(cls, moment: datetime):
        """The Shanghai month a moment falls in."""
        local = moment.astimezone(SHANGHAI)
        return cls(local.year, local.month)

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """How people write it: 2026年10月 (2026-10 in English)."""
        return gettext("%(y)d年%(m)d月", y=self.year, m=self.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self):
        """The month after."""
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self):
        """The month before."""
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def start(self) -> datetime:
        """Midnight Shanghai on the 1st, in UTC."""
        return datetime(self.year, self.month, 1, tzinfo=SHANGHAI).astimezone(timezone.utc)

    @property
    def end(self) -> datetime:
        """Midnight Shanghai on the 1st of the next month, in UTC (exclusive)."""
        return self.next().start

    @property
    def last_day(self) -> date:
        nxt = self.next()
        return date.fromordinal(date(nxt.year, nxt.month, 1).toordinal() - 1)
