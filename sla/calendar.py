"""Working days of the Chinese statutory calendar, with per-date overrides and a visible fallback.

A year is covered when its whole schedule is known: the statutory calendar package has it, or an admin imported
that year's State Council notice (its days arrive here as overrides, the year in `notice_years`). An uncovered year
falls back to Monday–Friday minus the statutory holidays the `holidays` package lists for it, and every deadline
in it is provisional. The calendar's data comes in from outside (overrides, names, notice years, the fallback), so
the application decides where it is stored and this module stays pure.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays as holiday_tables

SHANGHAI = ZoneInfo("Asia/Shanghai")

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def covered_years() -> range:
    """Years for which the statutory calendar package has holiday data."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@lru_cache(maxsize=64)
def statutory_fallback(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """({day off: name}, make-up working days) that the `holidays` package lists for a year: the statutory
    festivals by their rules, without the State Council's arrangement of bridge days."""
    table = holiday_tables.China(years=year, language="zh_CN")
    days_off = {day: str(name) for day, name in table.items() if day.year == year}
    workdays = frozenset(d for d in table.weekend_workdays if d.year == year)
    return days_off, workdays


class WorkCalendar:
    """Answers "is this a working day?" from overrides first, then the statutory calendar, then a notice year's
    Monday–Friday, then the fallback (Monday–Friday minus the listed statutory holidays)."""

    def __init__(self, overrides: dict[date, bool] | None = None, *, names: dict[date, str] | None = None,
                 notice_years: Iterable[int] = (),
                 fallback: Callable[[int], tuple[dict[date, str], frozenset[date]]] = statutory_fallback):
        self.overrides = dict(overrides or {})
        self.names = dict(names or {})
        self.notice_years = frozenset(notice_years)
        self.fallback = fallback
        self._statutory = covered_years()
        self._workday: dict[date, bool] = {}  # chinesecalendar validates each date slowly; days never change

    def year_covered(self, year: int) -> bool:
        """Whether the whole schedule of a year is known (statutory package or an imported notice)."""
        return year in self._statutory or year in self.notice_years

    def is_covered(self, day: date) -> bool:
        """Whether this date's year has its whole schedule known; otherwise its deadlines are provisional."""
        return self.year_covered(day.year)

    def is_workday(self, day: date) -> bool:
        """Whether people work on this date, make-up working days (调休) included."""
        known = self._workday.get(day)
        if known is None:
            if day in self.overrides:
                known = self.overrides[day]
            elif day.year in self._statutory:
                known = chinese_calendar.is_workday(day)
            elif day.year in self.notice_years:
                known = day.weekday() < 5
            else:
                days_off, workdays = self.fallback(day.year)
                known = day in workdays or (day.weekday() < 5 and day not in days_off)
            self._workday[day] = known
        return known

    def holiday_name(self, day: date) -> str | None:
        """The holiday's Chinese name for a non-working day, if it has one."""
        if day in self.overrides:
            return None if self.overrides[day] else (self.names.get(day) or None)
        if day.year in self._statutory:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return HOLIDAY_NAMES_ZH.get(name, name) if on_holiday and name else None
        if day.year in self.notice_years:
            return None
        return self.fallback(day.year)[0].get(day)

    def uncovered_years(self, years) -> list[int]:
        """The years among `years` whose whole schedule is not known (they use the fallback)."""
        return sorted({y for y in years if not self.year_covered(y)})

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (the start day itself is not counted)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def working_days_deadline(self, start: datetime, n: int) -> datetime:
        """End of the n-th working day after the local day `start` falls on, as aware UTC."""
        local_day = start.astimezone(SHANGHAI).date()
        last = self.add_working_days(local_day, n)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        return end.astimezone(timezone.utc)


def deadline_day(moment: datetime) -> date:
    """The local day a deadline ends on: one at midnight belongs to the day before (it is that day's 24:00)."""
    local = moment.astimezone(SHANGHAI)
    if local.time() == time(0):
        return local.date() - timedelta(days=1)
    return local.date()
