"""Counting time that counts: whole working days, office hours, or the wall clock, minus pauses.

Every measure splits a span of time into pieces, each counted or not and labelled for people ("周末", the
holiday's name, "调休上班"). Budgets are amounts of counted time (exact timedeltas, never floats, so a deadline
at midnight stays at midnight); a deadline is the moment the counted time since the start reaches the budget.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterator, Sequence

from sla.calendar import SHANGHAI, WorkCalendar
from sla.dayindex import index_for

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Piece:
    """A stretch of time with one status: counted toward the budget or not, and why."""

    start: datetime
    end: datetime
    counted: bool
    label: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def seconds(self) -> float:
        return self.length.total_seconds()


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


class WallClock:
    """Every second counts ("24 小时不打烊")."""

    fast = True

    def counted_between(self, start: datetime, end: datetime) -> timedelta:
        """Counted time in [start, end) without pauses."""
        return max(end - start, timedelta(0))

    def reach_budget(self, start: datetime, budget: timedelta) -> datetime:
        """When the counted time since `start` reaches `budget`, without pauses."""
        return start + max(budget, timedelta(0))

    def pieces(self, start: datetime, end: datetime) -> Iterator[Piece]:
        if end > start:
            yield Piece(start, end, True, "")


class WorkingDays:
    """Whole working days count, weekends and statutory holidays do not; make-up days (调休) do."""

    fast = True  # counted_between and reach_budget answer from the calendar's day index, not a walk

    def __init__(self, calendar: WorkCalendar):
        self.calendar = calendar

    def counted_between(self, start: datetime, end: datetime) -> timedelta:
        """Counted time in [start, end) without pauses: the two partial days plus whole working days between."""
        if end <= start:
            return timedelta(0)
        first, last = start.astimezone(SHANGHAI).date(), end.astimezone(SHANGHAI).date()
        is_workday = self.calendar.is_workday
        if first == last:
            return end - start if is_workday(first) else timedelta(0)
        total = DAY * index_for(self.calendar).workdays_between(first + DAY, last)
        if is_workday(first):
            total += _local_midnight(first + DAY) - start
        if is_workday(last):
            total += end - _local_midnight(last)
        return total

    def reach_budget(self, start: datetime, budget: timedelta) -> datetime:
        """When the counted time since `start` reaches `budget`, without pauses."""
        if budget <= timedelta(0):
            return start
        first = start.astimezone(SHANGHAI).date()
        rest_of_day = _local_midnight(first + DAY) - start if self.calendar.is_workday(first) else timedelta(0)
        if budget <= rest_of_day:
            return start + budget
        remaining = budget - rest_of_day
        whole = -(-remaining // DAY)  # the working day (counted after `first`) on which the budget runs out
        day = index_for(self.calendar).nth_workday_after(first, whole)
        return _local_midnight(day) + (remaining - DAY * (whole - 1))

    def day_label(self, day: date, counted: bool) -> str:
        if counted:
            return "调休上班" if day.weekday() >= 5 else ""
        return self.calendar.holiday_name(day) or ("周末" if day.weekday() >= 5 else "休息日")

    def pieces(self, start: datetime, end: datetime) -> Iterator[Piece]:
        cursor = start
        while cursor < end:
            day = cursor.astimezone(SHANGHAI).date()
            day_end = _local_midnight(day + timedelta(days=1))
            stop = min(day_end, end)
            counted = self.calendar.is_workday(day)
            yield Piece(cursor, stop, counted, self.day_label(day, counted))
            cursor = stop


class OfficeHours(WorkingDays):
    """Only office hours on working days count (an optional mode for hour-based targets)."""

    fast = False  # partial office days: walked, not indexed

    def __init__(self, calendar: WorkCalendar, opens: time = time(9, 0), closes: time = time(17, 30)):
        super().__init__(calendar)
        self.opens, self.closes = opens, closes

    @property
    def day_length(self) -> timedelta:
        """Counted time in one full office day."""
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def pieces(self, start: datetime, end: datetime) -> Iterator[Piece]:
        for piece in super().pieces(start, end):
            if not piece.counted:
                yield piece
                continue
            day = piece.start.astimezone(SHANGHAI).date()
            open_at = datetime.combine(day, self.opens, tzinfo=SHANGHAI)
            close_at = datetime.combine(day, self.closes, tzinfo=SHANGHAI)
            bounds = [piece.start, max(piece.start, min(open_at, piece.end)),
                      max(piece.start, min(close_at, piece.end)), piece.end]
            for (a, b), inside in zip(zip(bounds, bounds[1:], strict=False), (False, True, False), strict=True):
                if b > a:
                    yield Piece(a, b, inside, "" if inside else "非办公时间")


@dataclass(frozen=True)
class Pause:
    """An interval during which the clock stood still; `end` None means it is still paused."""

    start: datetime
    end: datetime | None = None
    reason: str = ""


def _pause_cuts(pauses: Sequence[Pause], start: datetime, end: datetime):
    """Split [start, end) at pause boundaries: yields (a, b, pause or None)."""
    cursor = start
    for p in sorted(pauses, key=lambda p: p.start):
        p_end = p.end or datetime.max.replace(tzinfo=SHANGHAI)
        if p_end <= cursor or p.start >= end:
            continue
        if p.start > cursor:
            yield cursor, p.start, None
        cut = min(p_end, end)
        yield max(cursor, p.start), cut, p
        cursor = cut
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end, None


def timeline(measure, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> Iterator[Piece]:
    """Pieces covering [start, end): paused stretches are never counted and carry the pause's reason."""
    for a, b, pause in _pause_cuts(pauses, start, end):
        if pause is not None:
            yield Piece(a, b, False, "挂起" + (f"：{pause.reason}" if pause.reason else ""))
        else:
            yield from measure.pieces(a, b)


def counted(measure, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> timedelta:
    """Counted time in [start, end)."""
    if not pauses and getattr(measure, "fast", False):
        return measure.counted_between(start, end)
    total = timedelta(0)
    for piece in timeline(measure, start, end, pauses):
        if piece.counted:
            total += piece.length
    return total


HORIZON = timedelta(days=3 * 366)


def reach(measure, start: datetime, budgets: Sequence[timedelta],
          pauses: Sequence[Pause] = ()) -> list[datetime | None]:
    """For each budget (ascending), when the counted time since `start` reaches it.

    None where it is never reached: the clock is paused without end before that, or it lies beyond the horizon.
    One forward pass serves every budget, so a clock's warning, due, supervise and escalate times cost one walk.
    """
    if not pauses and getattr(measure, "fast", False):
        return [measure.reach_budget(start, budget) for budget in budgets]
    results: list[datetime | None] = [None] * len(budgets)
    order = sorted(range(len(budgets)), key=lambda i: budgets[i])
    pending = [(budgets[i], i) for i in order]
    used = timedelta(0)
    k = 0
    while k < len(pending) and pending[k][0] <= timedelta(0):
        results[pending[k][1]] = start
        k += 1
    chunk = timedelta(days=31)
    cursor = start
    while k < len(pending) and cursor < start + HORIZON:
        window_end = cursor + chunk
        for piece in timeline(measure, cursor, window_end, pauses):
            if k >= len(pending):
                break  # every budget is placed; the rest of the window need not be walked
            if not piece.counted:
                continue
            while k < len(pending) and used + piece.length >= pending[k][0]:
                results[pending[k][1]] = piece.start + (pending[k][0] - used)
                k += 1
            used += piece.length
        if any(p.end is None and p.start < window_end for p in pauses):
            break  # an open pause: nothing after it can be known yet
        cursor = window_end
    return results
