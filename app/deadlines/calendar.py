"""The working-day calendar the application uses: statutory days, imported notices and the admins' overrides.

Every read of the calendar's stored data goes through `calendar_data`, so a cache or a working-day index can
replace it in one place."""
import hashlib
from datetime import date

from flask import g
from sqlalchemy import null, select, union_all

from app.timesource import utcnow
from app.extensions import db
from app.models import CalendarNotice, CalendarOverride
from sla.calendar import SHANGHAI, WorkCalendar, deadline_day


def calendar_data() -> tuple[dict, dict, set]:
    """(overrides {day: is_workday}, names {day off: note}, years with an imported notice) as stored."""
    # One statement for both tables: every request reads them (a round trip each on PostgreSQL).
    overrides_rows = select(CalendarOverride.day, CalendarOverride.is_workday, CalendarOverride.note,
                            null().label("year"))
    notice_rows = select(null(), null(), null(), CalendarNotice.year)
    overrides, names, years = {}, {}, set()
    for day, is_workday, note, year in db.session.execute(union_all(overrides_rows, notice_rows)):
        if day is None:
            years.add(year)
            continue
        overrides[day] = is_workday
        if not is_workday and note:
            names[day] = note
    return overrides, names, years


def build_calendar(overrides, names, notice_years) -> WorkCalendar:
    """A calendar from explicit data (the stored one, or a notice's preview of it)."""
    return WorkCalendar(overrides, names=names, notice_years=notice_years)


# Process-wide: one calendar, with its memo of days and its day index (sla/dayindex.py), per set of overrides.
# A request reads the overrides (a handful of rows) and reuses the calendar built for exactly those.
_CALENDARS: dict[frozenset, WorkCalendar] = {}


def current_calendar() -> WorkCalendar:
    """The calendar with every override and imported notice: read once per request or job run, built once per
    process per version of that data (so its memo and day index survive between requests)."""
    cached = g.get("_jj_calendar")
    if cached is None:
        overrides, names, years = calendar_data()
        version = (frozenset(overrides.items()), frozenset(names.items()), frozenset(years))
        cached = _CALENDARS.get(version)
        if cached is None:
            if len(_CALENDARS) >= 8:
                _CALENDARS.clear()  # the calendar changed many times in one process: start afresh
            cached = _CALENDARS[version] = build_calendar(overrides, names, years)
        g._jj_calendar = cached
    return cached


def calendar_digest() -> str:
    """The current calendar's data as a short digest, the same in every process: what a tally kept for every web
    worker was counted against (app/projects/sheet_figures.py)."""
    cal = current_calendar()
    data = (sorted(cal.overrides.items()), sorted(cal.names.items()), sorted(cal.notice_years))
    return hashlib.sha1(repr(data).encode()).hexdigest()[:16]


def forget_calendar() -> None:
    """Drop the cached calendar after an override or a notice changed."""
    g.pop("_jj_calendar", None)


def uncovered_years(years) -> list[int]:
    """Years among `years` whose whole schedule is not known (neither statutory data nor an imported notice):
    deadlines there count Monday–Friday minus the known statutory holidays, and are provisional."""
    return current_calendar().uncovered_years(years)


def is_provisional(due_at) -> bool:
    """Whether a deadline ends on a day of a year whose schedule is not fully known yet."""
    return due_at is not None and not current_calendar().is_covered(deadline_day(due_at))


def calendar_warning() -> list[int]:
    """Uncovered years around today (this year; from October on, next year too)."""
    today = utcnow().astimezone(SHANGHAI).date()
    years = [today.year] + ([today.year + 1] if today >= date(today.year, 10, 1) else [])
    return uncovered_years(years)
