"""Working days of the Chinese statutory calendar, with per-date overrides and a visible fallback."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar

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


class WorkCalendar:
    """Answers "is this a working day?" from overrides first, then the statutory calendar, then Mon–Fri."""

    def __init__(self, overrides: dict[date, bool] | None = None):
        self.overrides = dict(overrides or {})
        self._covered = covered_years()
        self._workday: dict[date, bool] = {}  # chinesecalendar validates each date slowly; days never change

    def is_covered(self, day: date) -> bool:
        """Whether the statutory calendar (or an override) knows this date for certain."""
        return day in self.overrides or day.year in self._covered

    def is_workday(self, day: date) -> bool:
        """Whether people work on this date, make-up working days (调休) included."""
        known = self._workday.get(day)
        if known is None:
            if day in self.overrides:
                known = self.overrides[day]
            elif day.year in self._covered:
                known = chinese_calendar.is_workday(day)
            else:
                known = day.weekday() < 5
            self._workday[day] = known
        return known

    def holiday_name(self, day: date) -> str | None:
        """The statutory holiday's Chinese name for a non-working day, if it has one."""
        if day in self.overrides or day.year not in self._covered:
            return None
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return HOLIDAY_NAMES_ZH.get(name, name) if on_holiday and name else None

    def uncovered_years(self, years) -> list[int]:
        """The years among `years` that fall back to Monday–Friday."""
        return sorted({y for y in years if y not in self._covered})

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
