"""The working-day calendar the application uses: statutory days plus the admins' overrides."""
from datetime import date

from flask import g
from sqlalchemy import select

from app.timesource import utcnow
from app.extensions import db
from app.models import CalendarOverride
from sla.calendar import SHANGHAI, WorkCalendar, covered_years


# Process-wide: one calendar, with its memo of days and its day index (sla/dayindex.py), per set of overrides.
# A request reads the overrides (a handful of rows) and reuses the calendar built for exactly those.
_CALENDARS: dict[frozenset, WorkCalendar] = {}


def current_calendar() -> WorkCalendar:
    """The calendar with every override: read once per request or job run, built once per process per version."""
    cached = g.get("_jj_calendar")
    if cached is None:
        version = frozenset(tuple(row) for row in db.session.execute(select(CalendarOverride.day, CalendarOverride.is_workday)))
        cached = _CALENDARS.get(version)
        if cached is None:
            if len(_CALENDARS) >= 8:
                _CALENDARS.clear()  # overrides changed many times in one process: start afresh
            cached = _CALENDARS[version] = WorkCalendar(dict(version))
        g._jj_calendar = cached
    return cached


def forget_calendar() -> None:
    """Drop the cached calendar after an override changed."""
    g.pop("_jj_calendar", None)


def uncovered_years(years) -> list[int]:
    """Years among `years` with neither statutory data nor any override: deadlines there use Monday–Friday."""
    with_overrides = {o.day.year for o in db.session.scalars(select(CalendarOverride))}
    covered = set(covered_years())
    return sorted(y for y in set(years) if y not in covered and y not in with_overrides)


def calendar_warning() -> list[int]:
    """Years that fall back to Monday–Friday around today (this year; from October on, next year too)."""
    today = utcnow().astimezone(SHANGHAI).date()
    years = [today.year] + ([today.year + 1] if today >= date(today.year, 10, 1) else [])
    return uncovered_years(years)
