"""The SLA sweep: look only at clocks whose next threshold has passed, move them up, record and notify once.

Its cost follows the clocks that change, not the clocks that run: the rest wait behind `next_check_at`.
Each batch is one transaction (level change, ticket event, notifications and the next check together), so a
crash loses nothing and repeats nothing. A database lock keeps a stray second sweeper out; the unique key on
(clock, level) among standing records is the second guard. Each record carries the due time it was computed
from; one that a later due time withdrew (app/deadlines/levels.py) no longer stands, so the level reached again
under the new due time is recorded and announced once more.
"""
import json
import os
import time

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from app.supervision import notify
from app.deadlines.engine import status_of, sync_ticket
from app.enums import ClockKind, EventKind, SlaLevel
from app.extensions import db
from app.models import Assignment, ClockLevelChange, Ticket, TicketClock, WorkerHeartbeat
from app.display import clock_label, due_text, system_text
from app.journal import record_event
from app.webhooks import events as webhook_events
from sla.clocks import Level

SWEEP_LOCK_KEY = 7_324_100  # pg advisory lock id for "the SLA sweep"
SYSTEM = "系统"


def take_lock() -> bool:
    """Take the sweep lock for this transaction; False when another sweeper holds it."""
    if db.engine.dialect.name == "postgresql":
        return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY}).scalar())
    db.session.execute(text("SELECT 1"))  # SQLite: the transaction began with BEGIN IMMEDIATE, a write lock
    return True


def _record_once(rows) -> set:
    """Insert level changes, skipping any already standing; returns the (clock id, level) pairs that are new.

    One statement per batch; RETURNING (not rowcount) tells which rows went in, on both databases."""
    if not rows:
        return set()
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(ClockLevelChange).values(rows)
            .on_conflict_do_nothing(index_elements=["clock_id", "level"],
                                    index_where=ClockLevelChange.withdrawn_at.is_(None))
            .returning(ClockLevelChange.clock_id, ClockLevelChange.level))
    return {(clock_id, level) for clock_id, level in db.session.execute(stmt)}


def _message(ticket, clock, level: SlaLevel, status):
    kind = clock_label(clock)
    title = f"【{level.label}】{ticket.number} {ticket.title}"[:200]
    if level is SlaLevel.WARNING:
        body = f"{kind}将于 {due_text(status.due_at)} 到期，请尽快处理。"
    else:
        body = f"{kind}已于 {due_text(status.due_at)} 到期，目前为“{level.label}”。"
    return title, body + f"\n企业：{ticket.enterprise.name}"


def _level_text(clock, level: SlaLevel, status) -> dict:
    """The history's text of a level change, as a code and parameters (read in each reader's language)."""
    whose = None
    if clock.kind == ClockKind.SIGN_OFF.value and clock.assignment is not None:
        whose = clock.assignment.department.name
    elif clock.kind == ClockKind.ACTION_ITEM.value and clock.action_item is not None:
        whose = f"{clock.action_item.title[:30]}（{clock.action_item.owner_label}）"
    params = dict(clock=clock.kind, clock_of=whose, due=status.due_at)
    if level is SlaLevel.WARNING:
        return system_text("sla_warning", **params)
    return system_text("sla_level", level=level.value, **params)


def _process_batch(clocks, now, people) -> int:
    """Move each clock to its level now: record new levels once, then tell people; returns how many were new."""
    statuses = {clock.id: status_of(clock, now) for clock in clocks}
    candidates = [dict(clock_id=clock.id, ticket_id=clock.ticket_id, level=SlaLevel.of(Level(rank)),
                       at=statuses[clock.id].thresholds_at[Level(rank)] or now, due_at=statuses[clock.id].due_at)
                  for clock in clocks
                  for rank in range(SlaLevel(clock.level).rank + 1, statuses[clock.id].level + 1)]
    new = _record_once(candidates)
    for clock in clocks:
        status, ticket = statuses[clock.id], clock.ticket
        reached = []
        for rank in range(SlaLevel(clock.level).rank + 1, status.level + 1):
            sla_level = SlaLevel.of(Level(rank))
            if (clock.id, sla_level) not in new:
                continue  # another sweep already recorded and announced it
            reached.append(sla_level)
            record_event(ticket, None, EventKind.SLA_LEVEL, at=now, actor_name=SYSTEM,
                         data={"clock": ClockKind(clock.kind).label, "level": sla_level.label, "due": status.due_at},
                         webhook_type=webhook_events.OVERDUE if sla_level is SlaLevel.OVERDUE else None,
                         **_level_text(clock, sla_level, status))
        if reached:
            # The history keeps every level; people get one message, for the level the clock stands at now.
            title, body = _message(ticket, clock, reached[-1], status)
            notify.queue_level_change(ticket, clock, reached[-1], title=title, body=body, now=now, people=people,
                                      passed=reached[:-1])
        if status.level > SlaLevel(clock.level).rank:
            clock.level = SlaLevel.of(status.level)
        clock.due_at = status.due_at
        clock.breached = status.breached
        clock.next_check_at = status.next_check_at if status.next_check_at and status.next_check_at > now else None
    for ticket in {clock.ticket for clock in clocks}:
        sync_ticket(ticket)
    return len(new)


def sweep(now, batch_size: int | None = None) -> dict:
    """Process every clock whose next check has passed, in batches of one transaction each."""
    batch_size = batch_size or current_app.config["SWEEP_BATCH_SIZE"]
    totals = {"checked": 0, "recorded": 0, "batches": 0, "skipped": False}
    while True:
        if not take_lock():
            db.session.rollback()
            totals["skipped"] = True
            return totals
        query = (select(TicketClock)
                 .where(TicketClock.next_check_at <= now, TicketClock.stopped_at.is_(None))
                 .order_by(TicketClock.next_check_at, TicketClock.id).limit(batch_size)
                 .options(selectinload(TicketClock.pauses), selectinload(TicketClock.extensions),
                          selectinload(TicketClock.assignment).joinedload(Assignment.department),
                          selectinload(TicketClock.action_item),
                          selectinload(TicketClock.ticket).selectinload(Ticket.clocks),
                          selectinload(TicketClock.ticket).joinedload(Ticket.enterprise),
                          selectinload(TicketClock.ticket).selectinload(Ticket.assignments)))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(of=TicketClock, skip_locked=True)
        clocks = db.session.scalars(query).all()
        people = notify.People()
        with db.session.no_autoflush:  # one flush per batch, at commit, instead of one per query
            totals["recorded"] += _process_batch(clocks, now, people)
        totals["checked"] += len(clocks)
        totals["batches"] += 1
        beat("sla-sweep", now, json.dumps({"checked": totals["checked"], "recorded": totals["recorded"]}))
        db.session.commit()
        _after_batch_hook()
        if len(clocks) < batch_size:
            return totals


def _after_batch_hook() -> None:
    # Reliability tests kill the worker here, between two committed batches.
    pause = os.environ.get("JJ_SWEEP_PAUSE_AFTER_BATCH")
    if pause:
        print("batch committed", flush=True)
        time.sleep(float(pause))


def beat(name, now, detail="") -> None:
    """Record that a background job ran (health checks read it)."""
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(name=name, beat_at=now, detail=detail[:300]))
    else:
        row.beat_at, row.detail = now, detail[:300]
