"""The sheet's figures: the unfiltered sheet's of this year as the SLA worker keeps them for every web worker, any
other filters' computed once per web worker for each version of the sheet's data.

The figures count every project on the sheet under its filters (services.figures, report.report_figures): at 10,000
projects reading their dates and counting took 0.3 s, on a worker's first view and again on its first view a minute
later (p95 300–360 ms over HTTP at stop 34); the table shows 100 of them. Every write to a project, its stages' dates
or its procedures goes through app/projects/services.py, which appends to the projects' history (ProjectChange, never
updated or deleted), so the newest entry's id tells whether anything the figures read has changed. On PostgreSQL two
writers may commit their entries out of id order, and a view between the two commits would keep figures without the
first: a worker's result is also recomputed once it is KEEP_SECONDS old, and the SLA worker counts afresh every
sweep."""
import time

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, select

from app import kept
from app.deadlines.calendar import calendar_digest, current_calendar
from app.extensions import db
from app.models.project import ProjectChange
from app.projects import queries, report, services
from app.projects.queries import ProjectDates
from app.timesource import utcnow

KEEP_SECONDS = 60
MAX_KEPT = 32  # filter combinations kept per worker; the sheet is mostly viewed unfiltered or by park
KEPT_KEY = "sheet"  # the unfiltered sheet's figures of this year, as the SLA worker last counted them (app/kept.py)
PROJECTS_KEY = "sheet:projects"  # beside them, the projects each counts


def unfiltered(year: int) -> dict:
    """The sheet's filters when none is chosen, for `year`."""
    return {"park": "", "industry": "", "secretary": None, "year": year, "only_year": False}


def _newest_change():
    return db.session.scalar(select(func.max(ProjectChange.id)))


def _kept_stamp(newest) -> list:
    """What kept figures were counted from, in a form every process computes alike: the projects' history's newest
    entry `newest`, the day (a date's sanity and 今天 move with it) and the calendar's data."""
    return [newest, services.today().isoformat(), calendar_digest()]


def keep_figures(now) -> int:
    """Count the unfiltered sheet's figures of this year and store them for every web worker (the SLA worker, after
    each sweep): their values for the sheet, and beside them the projects each counts for its drill-down. Returns
    how many projects they read."""
    def compute():
        stamp = _kept_stamp(_newest_change())  # before the dates: a write between leaves the stamp behind, not ahead
        year = services.today().year
        dates = queries.sheet_dates(unfiltered(year))
        figs = report.report_figures(dates, year, None, details=False)
        values = {"stamp": stamp, "figures": [[fig.key, fig.value, len(fig.projects)] for fig in figs]}
        projects = {"stamp": stamp, "figures": {fig.key: [p.id for p in fig.projects] for fig in figs}}
        return len(dates), values, projects

    read, values, projects = kept.tally(compute)
    # Two rows: the sheet reads the values alone; the ids (tens of thousands at 10,000 projects) only a drill-down.
    kept.store(now, {KEPT_KEY: values, PROJECTS_KEY: projects})
    return read


def _kept_figures(f, goal, newest, *, projects: bool) -> list | None:
    """The unfiltered sheet's figures as the SLA worker kept them (with the projects each counts when `projects`),
    if they are fresh and were counted from the sheet's data, day and calendar as they are now; else None."""
    found = kept.read(KEPT_KEY, utcnow())
    stamp = _kept_stamp(newest)
    if found is None or found[0]["stamp"] != stamp:
        return None
    counted = {key: (value, count) for key, value, count in found[0]["figures"]}
    ids = kept.value(PROJECTS_KEY) if projects else None
    if projects and (ids is None or ids["stamp"] != stamp):
        return None
    figs = report.report_figures([], f["year"], None, details=False)  # the figures' words, in the reader's language
    if {fig.key for fig in figs} != set(counted):
        return None  # kept by another version of the code
    for fig in figs:
        fig.value, fig.counted = counted[fig.key]
        if projects:
            fig.projects = [ProjectDates(i) for i in ids["figures"][fig.key]]  # no dates: a drill-down reads its page's
    return report.with_goal(figs, goal)


def sheet_figures(f, *, projects: bool = False) -> list:
    """The figures of the sheet under the filters `f` (values and, with `projects` or when counted here, the projects
    they count; no drill-down words), reused while the sheet's data, the targets, the calendar, the day and the
    language are the same."""
    goal = report.target_totals(f["year"], f["park"])
    newest = _newest_change()
    if f == unfiltered(services.today().year):
        figures = _kept_figures(f, goal, newest, projects=projects)
        if figures is not None:
            return figures
    key = (f["park"], f["industry"], f["secretary"], f["year"], f["only_year"], str(get_locale()),
           tuple(sorted(goal.items())) if goal else None)
    stamp = (newest, services.today())
    calendar = current_calendar()
    kept_results = current_app.extensions.setdefault("jj_sheet_figures", {})  # per app: a test's app is new
    found = kept_results.get(key)
    if found is not None:
        kept_stamp, kept_calendar, kept_at, figures = found
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
