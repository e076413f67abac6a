"""Tallies the SLA worker keeps for every web worker, as rows of `draft_snapshot`: the overdue board's counts
(app/supervision/board.py) and the hall board's (app/assessment/hall.py). Each is tallied after every sweep in a
transaction that only reads (on SQLite it never holds the write lock while it counts) and stored in a short one;
pages read it while it is fresh and tally for themselves when the worker has stopped."""
import json
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.models import DraftSnapshot
from app.sqlite_tuning import read_apart

log = logging.getLogger(__name__)


def fresh_for() -> timedelta:
    """How old a kept tally may be: three sweeps (a tally older than that means the worker stopped), at least three
    minutes."""
    return max(timedelta(minutes=3), 3 * timedelta(seconds=current_app.config.get("SWEEP_INTERVAL_SECONDS", 60)))


def tally(compute):
    """compute() in a transaction of its own that only reads, ended before anything is written."""
    return read_apart(db.session, compute)


def store(now, payloads: dict, prefix: str | None = None) -> bool:
    """Replace the kept rows `payloads` (key -> JSON-able value), and every other row whose key starts with `prefix`,
    stamped `now`. Another worker storing at the same moment (or a busy database) wins: False, nothing stored."""
    stale = DraftSnapshot.key.in_(list(payloads))
    if prefix:
        stale = or_(stale, DraftSnapshot.key.like(prefix + "%"))
    try:
        with db.session.begin_nested():
            db.session.execute(delete(DraftSnapshot).where(stale))
            db.session.add_all(DraftSnapshot(key=key, computed_at=now, payload=json.dumps(value, ensure_ascii=False))
                               for key, value in payloads.items())
        db.session.commit()
        return True
    except (IntegrityError, OperationalError):
        db.session.rollback()
        log.warning("kept tallies %s not stored: another worker stored them, or the database is busy",
                    ", ".join(payloads))
        return False


def read(key: str, now):
    """(value, computed_at) of a kept row if it is fresh at `now` (see fresh_for), else None."""
    row = db.session.execute(select(DraftSnapshot.payload, DraftSnapshot.computed_at)
                             .where(DraftSnapshot.key == key)).first()
    if row is None or not now - fresh_for() <= row.computed_at <= now:
        return None
    return json.loads(row.payload), row.computed_at


def value(key: str):
    """A kept row's value whatever its age (None: none kept); for rows read after `read` found their head fresh."""
    payload = db.session.scalar(select(DraftSnapshot.payload).where(DraftSnapshot.key == key))
    return json.loads(payload) if payload is not None else None
