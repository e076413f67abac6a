"""The sheet's figures, computed once per web worker for each version of the sheet's data.

The figures count every project on the sheet under its filters (services.figures, report.report_figures): at 10,000
projects reading their dates and counting took 0.3 s on every view of the sheet, whose table shows 100 of them. Every
write to a project, its stages' dates or its procedures goes through app/projects/services.py, which appends to the
projects' history (ProjectChange, never updated or deleted), so the newest entry's id tells whether anything the figures
read has changed. On PostgreSQL two writers may commit their entries out of id order, and a view between the two
commits would keep figures without the first: a kept result is also recomputed once it is KEEP_SECONDS old."""
import time

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, select

from app.deadlines.calendar import current_calendar
from app.extensions import db
from app.models.project import ProjectChange
from app.projects import queries, report, services

KEEP_SECONDS = 60
MAX_KEPT = 32  # filter combinations kept per worker; the sheet is mostly viewed unfiltered or by park


def sheet_figures(f) -> list:
    """The figures of the sheet under the filters `f` (values and the projects they count, no drill-down words),
    reused while the sheet's data, the targets, the calendar, the day and the language are the same."""
    goal = report.target_totals(f["year"], f["park"])
    key = (f["park"], f["industry"], f["secretary"], f["year"], f["only_year"], str(get_locale()),
           tuple(sorted(goal.items())) if goal else None)
    stamp = (db.session.scalar(select(func.max(ProjectChange.id))), services.today())
    calendar = current_calendar()
    kept_results = current_app.extensions.setdefault("jj_sheet_figures", {})  # per app: a test's app is new
    kept = kept_results.get(key)
    if kept is not None:
        kept_stamp, kept_calendar, kept_at, figures = kept
        # the calendar is compared by identity: one object per version of its data (app/deadlines/calendar.py)
        if kept_stamp == stamp and kept_calendar is calendar and time.monotonic() - kept_at < KEEP_SECONDS:
            return figures
    figures = report.report_figures(queries.sheet_dates(f), f["year"], goal, details=False)
    # Results counted before the sheet last changed are dropped now rather than when MAX_KEPT is reached: each holds
    # the dates of the projects it counts (about 7 MB for 7,000 projects).
    for old_key in [k for k, v in kept_results.items() if v[0] != stamp or v[1] is not calendar]:
        del kept_results[old_key]
    if len(kept_results) >= MAX_KEPT:
        kept_results.clear()
    kept_results[key] = (stamp, calendar, time.monotonic(), figures)
    return figures
