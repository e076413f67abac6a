"""Level changes that a later due time takes back: they stay in the history, marked withdrawn, so the sweep can
record and announce the level again, once, when it is reached under the new due time."""
from sqlalchemy import select

from app.enums import ClockKind, EventKind, SlaLevel
from app.extensions import db
from app.journal import record_event
from app.models import ClockLevelChange

SYSTEM = "系统"
# Stored in the append-only history as written at the time, like the sweep's own messages.
MOVED_LATER = "已撤销：截止时间已延后"
RETHRESHOLDED = "已撤销：时限标准已调整"


def withdraw_levels_above(clock, level, previous_due, now) -> list:
    """Mark the clock's standing level changes above `level` (its level now) withdrawn, with one event on the
    ticket naming them and the old and new due times; returns the withdrawn rows."""
    standing = db.session.scalars(select(ClockLevelChange).where(
        ClockLevelChange.clock_id == clock.id, ClockLevelChange.withdrawn_at.is_(None))).all()
    gone = sorted((r for r in standing if SlaLevel(r.level).rank > int(level)), key=lambda r: SlaLevel(r.level).rank)
    if not gone:
        return []
    for row in gone:
        row.withdrawn_at = now
    old_due = next((r.due_at for r in gone if r.due_at is not None), previous_due)
    later = clock.due_at is None or old_due is None or clock.due_at > old_due
    record_event(clock.ticket, None, EventKind.SLA_WITHDRAWN, at=now, actor_name=SYSTEM,
                 body=MOVED_LATER if later else RETHRESHOLDED,
                 data={"clock": ClockKind(clock.kind).label,
                       "level": "、".join(str(SlaLevel(r.level).label) for r in gone),
                       "due": [old_due, clock.due_at]})
    return gone
