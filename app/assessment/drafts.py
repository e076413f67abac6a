"""The draft month's figures, computed at most once per DRAFT_CACHE_SECONDS for every web worker.

A month of a large centre takes seconds to tally (every clock, rating and assignment of the month, and the year's
cases for the 办结率 to date). Supervisors open the draft month page, the report and the spreadsheet many times
while they review; the figures they read are a snapshot stored in `draft_snapshot`, and the page says when it was
computed. A snapshot is dropped (so the next view computes afresh) when a supervisor asks for it and whenever an
assessment decision changes what counts: an exclusion, an appeal, a rule, a calendar correction, a publication.
Case work (replies, resolutions, ratings) shows in the draft within DRAFT_CACHE_SECONDS; publishing always
tallies afresh, so no published figure ever comes from a snapshot."""
import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.assessment.period import Month
from app.display import local
from app.extensions import db
from app.models import DraftSnapshot
from app.sqlite_tuning import reading
from app.timesource import utcnow

DROPPED = "dropped"  # the row marking when the drafts were last dropped (not a month)


class _Stale(Exception):
    """A tally older than the last drop: not stored."""


def _row(key: str):
    """The stored row as the database has it now (rows are deleted and inserted by other workers and by Core
    statements, which an identity-map lookup would not see)."""
    return db.session.scalars(select(DraftSnapshot).where(DraftSnapshot.key == key)
                              .execution_options(populate_existing=True)).first()


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
    if row is not None and now - timedelta(seconds=seconds) <= row.computed_at <= now:
        return json.loads(row.payload)
    return refresh(month, now)


def stored_result(month: Month, max_age: timedelta) -> dict | None:
    """The month's stored snapshot if it is at most `max_age` old, else None: never tallies (for the hall board,
    whose screen must answer at once; the SLA worker keeps the snapshot fresh). With snapshots off
    (DRAFT_CACHE_SECONDS 0) the month is tallied live, as everywhere."""
    if current_app.config.get("DRAFT_CACHE_SECONDS", 0) <= 0:
        return draft_result(month)
    row = _row(str(month))
    now = utcnow()
    if row is None or not now - max_age <= row.computed_at <= now:
        return None
    return json.loads(row.payload)


def refresh(month: Month, now=None) -> dict:
    """Tally the month now and store it as its snapshot (the SLA worker does this for the months under review
    every half DRAFT_CACHE_SECONDS, so that a page rarely has to)."""
    from app.assessment.publishing import live_result  # publishing imports this module

    now = now or utcnow()
    key = str(month)
    # Last month's own fresh draft serves this month's comparison column: a second month's tally saved (about a
    # third of the time at 1,000,000 cases). The SLA worker refreshes last month before this one.
    seconds = current_app.config.get("DRAFT_CACHE_SECONDS", 0)
    previous = stored_result(month.previous(), timedelta(seconds=seconds)) if seconds > 0 else None
    db.session.commit()  # the tally reads in a transaction of its own
    with reading():
        result = dict(live_result(month, with_report=True, previous_draft=previous), computed_at=now.isoformat())
        db.session.rollback()  # end the read before writing: the tally never held the write lock
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


def months_under_review(now) -> list[Month]:
    """The months a draft is looked at: the last one until it is published, and this one (in that order, so that
    this month's comparison column can read last month's fresh draft)."""
    from app.assessment.publishing import latest_run

    this = Month.containing(now)
    last = this.previous()
    return ([last] if latest_run(last) is None else []) + [this]


def drop_drafts() -> None:
    """Forget every stored draft: the next view of any month computes afresh. Part of the caller's transaction,
    so a decision and the end of the snapshots it changes commit together. It leaves a mark of when, so that a
    tally that began before it does not store its older figures afterwards."""
    db.session.execute(delete(DraftSnapshot))
    db.session.add(DraftSnapshot(key=DROPPED, computed_at=utcnow(), payload=""))


def computed_text(result: dict | None) -> str:
    """When a draft result was computed, in Beijing time to the second ("" for a published one)."""
    stamp = result.get("computed_at") if result else None
    return local(datetime.fromisoformat(stamp), "%Y-%m-%d %H:%M:%S") if stamp else ""
