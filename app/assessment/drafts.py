"""The draft month's figures, computed at most once per DRAFT_CACHE_SECONDS for every web worker.

A month of a large centre takes seconds to tally (every clock, rating and assignment of the month, and the year's
cases for the 办结率 to date). Supervisors open the draft month page, the report and the spreadsheet many times
while they review; the figures they read are a snapshot stored in `draft_snapshot`, and the page says when it was
computed. A snapshot is marked out of date (so the next view computes afresh) when a supervisor asks for it and
whenever an assessment decision changes what counts: an exclusion, an appeal, a rule, a calendar correction, a
publication.
Case work (replies, resolutions, ratings) shows in the draft within DRAFT_CACHE_SECONDS; publishing always
tallies afresh, so no published figure ever comes from a snapshot.

A month whose last tally took longer than DRAFT_WAIT_MS (15 s for a month at 1,000,000 cases) is not tallied on
the request that finds it stale: while the SLA worker is alive, the page shows the stored figures, says when they were
computed and that they are being recomputed, and the worker (which looks every minute) tallies the month afresh.
A quick month, a month the worker does not keep, or a stopped worker: tallied on the request, as before.
Last month's rankings are read from the lines the SLA worker keeps staged for its publication, brought up to date
first (app/assessment/staging.py), instead of tallying the month's lines live."""
import json
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.assessment import staging
from app.assessment.period import Month
from app.display import local
from app.extensions import db
from app.models import DraftSnapshot
from app.sqlite_tuning import reading
from app.timesource import utcnow

DROPPED = "dropped"  # the row marking when the drafts were last dropped (not a month)
WORKER_JOB = "draft-figures"  # the SLA worker's job (and heartbeat) that keeps the months under review tallied
# The job runs every minute and beats after its tallies (two months: 20–30 s at 1,000,000 cases); a beat older than
# this means the worker stopped, and a page must not promise a recompute nobody will do.
WORKER_FRESH = timedelta(minutes=3)


class _Stale(Exception):
    """A tally older than the last drop: not stored."""


def _row(key: str):
    """The stored row as the database has it now (rows are deleted and inserted by other workers and by Core
    statements, which an identity-map lookup would not see)."""
    return db.session.scalars(select(DraftSnapshot).where(DraftSnapshot.key == key)
                              .execution_options(populate_existing=True)).first()


def _dropped_at():
    """When a decision last marked the drafts out of date (None: never)."""
    row = _row(DROPPED)
    return row.computed_at if row is not None else None


def _is_current(row, now, max_age: timedelta, dropped_at) -> bool:
    """The snapshot is at most `max_age` old and no decision dropped the drafts after it was computed."""
    return (now - max_age <= row.computed_at <= now) and (dropped_at is None or row.computed_at >= dropped_at)


def _slow(payload: dict) -> bool:
    """The month's last tally took longer than a request should wait (DRAFT_WAIT_MS)."""
    return payload.get("tally_ms", 0) > current_app.config.get("DRAFT_WAIT_MS", 3000)


def worker_keeps(month: Month, now) -> bool:
    """The SLA worker is alive (its draft job, which runs every minute, beat within WORKER_FRESH) and keeps this
    month's snapshot fresh."""
    from app.models import WorkerHeartbeat

    beat = db.session.scalar(select(WorkerHeartbeat.beat_at).where(WorkerHeartbeat.name == WORKER_JOB))
    return beat is not None and now - WORKER_FRESH <= beat <= now and month in months_under_review(now)


def draft_result(month: Month, *, with_report: bool = True) -> dict:
    """The month's live result (see `publishing.live_result`) with "computed_at" (ISO, UTC): the stored snapshot
    if it is younger than DRAFT_CACHE_SECONDS, else computed now and stored for the other workers. One snapshot
    per month serves the month page, the report and the spreadsheet alike (it always holds the report's figures),
    so their numbers agree and are tallied once."""
    from app.assessment.publishing import live_result  # publishing imports this module

    seconds = current_app.config.get("DRAFT_CACHE_SECONDS", 0)
    now = utcnow()
    if seconds <= 0:
        return dict(live_result(month, with_report=with_report), computed_at=now.isoformat())
    row = _row(str(month))
    if row is None:
        return refresh(month, now)
    if _is_current(row, now, timedelta(seconds=seconds), _dropped_at()):
        return json.loads(row.payload)
    stored = json.loads(row.payload)
    if _slow(stored) and worker_keeps(month, now):
        return dict(stored, recomputing=True)  # the worker tallies it within a minute; the page says so
    return refresh(month, now)


def stored_result(month: Month, max_age: timedelta) -> dict | None:
    """The month's stored snapshot if it is at most `max_age` old, else None: never tallies (for the hall board,
    whose screen must answer at once; the SLA worker keeps the snapshot fresh). With snapshots off
    (DRAFT_CACHE_SECONDS 0) the month is tallied live, as everywhere."""
    if current_app.config.get("DRAFT_CACHE_SECONDS", 0) <= 0:
        return draft_result(month)
    row = _row(str(month))
    now = utcnow()
    if row is None or not _is_current(row, now, max_age, _dropped_at()):
        return None
    return json.loads(row.payload)


def refresh(month: Month, now=None) -> dict:
    """Tally the month now and store it as its snapshot (the SLA worker does this for the months under review
    when theirs is half DRAFT_CACHE_SECONDS old or out of date, so that a page rarely has to)."""
    from app.assessment.publishing import live_result  # publishing imports this module

    now = now or utcnow()
    key = str(month)
    # Last month's own fresh draft serves this month's comparison column: a second month's tally saved (about a
    # third of the time at 1,000,000 cases). The SLA worker refreshes last month before this one.
    seconds = current_app.config.get("DRAFT_CACHE_SECONDS", 0)
    previous = stored_result(month.previous(), timedelta(seconds=seconds)) if seconds > 0 else None
    db.session.commit()  # the tally reads in a transaction of its own
    started = time.perf_counter()
    # Last month's rankings are tallied from its stage, brought up to date first: the same lines as a live tally, read
    # instead of worked out (app/assessment/staging.py).
    staged = staging.catch_up(month, now) if month.end <= now else None
    with reading():
        result = live_result(month, with_report=True, previous_draft=previous, lines_key=staged)
        if staged is not None and not staging.still_staged(staged):  # taken while it was read: tallied live
            result = live_result(month, with_report=True, previous_draft=previous)
        result = dict(result, computed_at=now.isoformat())
        db.session.rollback()  # end the read before writing: the tally never held the write lock
    result["tally_ms"] = round((time.perf_counter() - started) * 1000)  # decides who tallies it next time
    payload = json.dumps(result, ensure_ascii=False)
    try:
        with db.session.begin_nested():
            dropped = _row(DROPPED)
            if dropped is not None and dropped.computed_at > now:
                raise _Stale  # a decision dropped the drafts while this tally ran: its figures are older
            # A newer snapshot (another worker's) is kept: only an older one is replaced.
            db.session.execute(delete(DraftSnapshot).where(DraftSnapshot.key == key, DraftSnapshot.computed_at <= now))
            db.session.add(DraftSnapshot(key=key, computed_at=now, payload=payload))
        db.session.commit()
    except _Stale:
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()  # another worker stored the same month at the same moment (or the database is busy)
    return json.loads(payload)  # the same shape whether stored or not (JSON keys, lists)


def needs_refresh(month: Month, now) -> bool:
    """The SLA worker's test: the month has no snapshot, or one older than half DRAFT_CACHE_SECONDS, or one a
    decision dropped."""
    row = _row(str(month))
    half = timedelta(seconds=current_app.config.get("DRAFT_CACHE_SECONDS", 0) / 2)
    return row is None or not _is_current(row, now, half, _dropped_at())


def months_under_review(now) -> list[Month]:
    """The months a draft is looked at: the last one until it is published, and this one (in that order, so that
    this month's comparison column can read last month's fresh draft)."""
    from app.assessment.publishing import latest_run

    this = Month.containing(now)
    last = this.previous()
    return ([last] if latest_run(last) is None else []) + [this]


def drop_drafts() -> None:
    """Mark every stored draft out of date: the next view of a month computes afresh (or, for a slow month the
    worker keeps, shows the stored figures as being recomputed). Part of the caller's transaction, so a decision and
    the end of the snapshots it changes commit together. The mark says when, so that a tally that began before it
    does not store its older figures afterwards."""
    # Updated in place: two decisions at once each deleting and inserting the mark collided on its key.
    moved = db.session.execute(update(DraftSnapshot).where(DraftSnapshot.key == DROPPED).values(computed_at=utcnow()))
    if not moved.rowcount:
        db.session.add(DraftSnapshot(key=DROPPED, computed_at=utcnow(), payload=""))


def computed_text(result: dict | None) -> str:
    """When a draft result was computed, in Beijing time to the second ("" for a published one)."""
    stamp = result.get("computed_at") if result else None
    return local(datetime.fromisoformat(stamp), "%Y-%m-%d %H:%M:%S") if stamp else ""
