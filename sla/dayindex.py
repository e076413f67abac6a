"""Working-day arithmetic in constant time: a running count of working days, built once per calendar.

Walking a span day by day costs as many steps as the span has days, and a case three years overdue has more
than a thousand; a list of fifty such badges walked fifty thousand days. The index holds, for every date in
its range, how many working days come before it, so "working days between two dates" is one subtraction and
"the n-th working day after a date" one binary search. It grows on demand when asked about a date outside.
"""
from __future__ import annotations

from bisect import bisect_left
from datetime import date, timedelta
from typing import Callable
from weakref import WeakKeyDictionary

MARGIN = 366  # days added around a requested date when the index has to grow


class DayIndex:
    """Prefix counts of working days over a range of dates, answering range questions in O(1) or O(log n)."""

    def __init__(self, is_workday: Callable[[date], bool], first: date, last: date):
        self.is_workday = is_workday
        self.first = first
        self.prefix = [0]  # prefix[i]: working days in [first, first + i)
        self._extend_to(last)

    @property
    def last(self) -> date:
        """The last date the index knows."""
        return self.first + timedelta(days=len(self.prefix) - 2)

    def _extend_to(self, last: date) -> None:
        day = self.first + timedelta(days=len(self.prefix) - 1)
        total = self.prefix[-1]
        while day <= last:
            total += 1 if self.is_workday(day) else 0
            self.prefix.append(total)
            day += timedelta(days=1)

    def _cover(self, day: date) -> None:
        if day < self.first:
            first = day - timedelta(days=MARGIN)
            rebuilt = DayIndex(self.is_workday, first, self.last)
            self.first, self.prefix = rebuilt.first, rebuilt.prefix
        elif day > self.last:
            self._extend_to(day + timedelta(days=MARGIN))

    def _position(self, day: date) -> int:
        self._cover(day)
        return (day - self.first).days

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in [start, end) (0 when end is not after start)."""
        if end <= start:
            return 0
        a = self._position(start)
        b = self._position(end)
        return self.prefix[b] - self.prefix[a]

    def nth_workday_after(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day` (n >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        base = self.prefix[self._position(day) + 1]  # working days up to and including `day`
        while self.prefix[-1] < base + n:
            self._extend_to(self.last + timedelta(days=max(MARGIN, n * 2)))
        # the first position whose prefix reaches base + n is the day after the n-th working day
        return self.first + timedelta(days=bisect_left(self.prefix, base + n) - 1)


_INDEXES: "WeakKeyDictionary[object, DayIndex]" = WeakKeyDictionary()


def index_for(calendar) -> DayIndex:
    """The day index of a calendar object (anything with `is_workday(date)`), built once for its lifetime."""
    index = _INDEXES.get(calendar)
    if index is None:
        # a first range that holds most deadlines; it grows when a date outside is asked about
        index = _INDEXES[calendar] = DayIndex(calendar.is_workday, date(2022, 1, 1), date(2028, 12, 31))
    return index
