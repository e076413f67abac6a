"""APScheduler jobs: the SLA sweep, the notification outbox, the webhook outbox, the months' staged lines and the
draft months, every minute, in one process only."""
import json
import logging
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.assessment import drafts, hall, staging
from app.projects import sheet_figures
from app.timesource import utcnow
from app.supervision import board as overdue_board
from app.supervision.default_ratings import give_default_ratings
from app.supervision.notify import deliver_pending
from app.supervision.procedures import notify_overdue_procedures
from app.supervision.sweep import beat, sweep
from app.extensions import db
from app.webhooks.delivery import deliver_webhooks

log = logging.getLogger(__name__)


def run_sweep(app) -> dict:
    """One sweep inside an application context, then the 代办 procedures that passed their due date, the
    default ratings of cases not rated in time, the overdue board's and hall's counts and the 一表制 sheet's figures
    (what the job and `flask sla sweep` run)."""
    with app.app_context():
        now = utcnow()
        result = sweep(now)
        result["procedures_overdue"] = notify_overdue_procedures(now)
        result["default_ratings"] = give_default_ratings(now)
        if app.config.get("BOARD_CACHE_SECONDS", 30):
            # Only the sweep raises a clock's level: the board's counts, tallied once here, serve every page
            # until the next sweep (at 1,000,000 cases the tally takes 0.5-2 s, too long for a request).
            result["board_late_cases"] = overdue_board.keep_tallies(utcnow())["tabs"]["late"]
        if app.config.get("HALL_CACHE_SECONDS", 60):
            # The hall screen's counts likewise (counting the overdue cases alone takes 190 ms at 1,000,000).
            result["hall_overdue"] = hall.keep_counts(utcnow())["overdue_total"]
        # And the 一表制 sheet's unfiltered figures (0.3 s at 10,000 projects), which pages use while nothing on
        # the sheet, the day or the calendar has changed since.
        result["sheet_projects"] = sheet_figures.keep_figures(utcnow())
        log.info("sla sweep: %s", result)
        return result


def run_delivery(app) -> dict:
    """Deliver the outbox once."""
    with app.app_context():
        result = deliver_pending(utcnow())
        beat("notify", utcnow(), json.dumps(result))  # figures the outbox page reads and labels
        db.session.commit()
        return result


def run_webhooks(app) -> dict:
    """Send the webhook outbox once (each endpoint in event order, backing off from one that fails)."""
    with app.app_context():
        result = deliver_webhooks()
        beat("webhooks", utcnow(), str(result))
        db.session.commit()
        return result


def run_draft_refresh(app) -> list[str]:
    """Tally the months under review into their snapshots, off the request path (a month of a large centre takes
    seconds: pages then read the snapshot). Runs every minute; tallies a month when its snapshot is missing, half
    DRAFT_CACHE_SECONDS old, or out of date after a decision. Returns the months tallied."""
    with app.app_context():
        if app.config.get("DRAFT_CACHE_SECONDS", 0) <= 0:
            return []
        now = utcnow()
        months = [m for m in drafts.months_under_review(now) if drafts.needs_refresh(m, now)]
        for month in months:
            # Each month stamped when its own tally begins: a decision made while last month was being tallied
            # makes that tally stale, not this month's, which reads after it.
            drafts.refresh(month)
        beat(drafts.WORKER_JOB, now, ", ".join(map(str, months)))
        db.session.commit()
        return [str(m) for m in months]


def run_staging(app) -> str:
    """Keep the lines of last month and the two before it ready for their publication (app/assessment/staging.py):
    each built once after the month ends (seconds at 1,000,000 cases), then the cases changed rewritten every minute."""
    with app.app_context():
        now = utcnow()
        done = staging.keep(now)
        beat(staging.WORKER_JOB, now, done)
        db.session.commit()
        log.info("month lines: %s", done)
        return done


def build_scheduler(app, blocking: bool = False):
    """The scheduler with both jobs; missed runs are never dropped, only merged, and run once at start."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    interval = app.config["SWEEP_INTERVAL_SECONDS"]
    options = dict(trigger="interval", seconds=interval, misfire_grace_time=None, coalesce=True, max_instances=1,
                   next_run_time=datetime.now(timezone.utc))
    scheduler.add_job(run_sweep, args=[app], id="sla-sweep", **options)
    scheduler.add_job(run_delivery, args=[app], id="notify", **options)
    scheduler.add_job(run_webhooks, args=[app], id="webhooks", **options)
    scheduler.add_job(run_staging, args=[app], id=staging.WORKER_JOB, **dict(options, seconds=60))
    if app.config.get("DRAFT_CACHE_SECONDS", 0) > 0:
        # Every minute: a month a decision made out of date is tallied within a minute (the job itself decides
        # which months need it).
        scheduler.add_job(run_draft_refresh, args=[app], id=drafts.WORKER_JOB, **dict(options, seconds=60))
    return scheduler
