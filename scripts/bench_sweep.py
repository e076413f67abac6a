"""Benchmark: SLA sweep time follows the clocks that change, not the clocks that run (prints figures).

    .venv/bin/python scripts/bench_sweep.py [--database-url URL]

For 10,000 and then 100,000 open tickets, each with a running resolution clock, 1,000 of them have crossed a
threshold; the script times one sweep (which records their level changes, ticket events and notifications)
and then a second sweep with nothing to do.
"""
import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.timesource import FrozenClock  # noqa: E402
from app.supervision.sweep import sweep  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (Category, ClockLevelChange, Enterprise, Notification, Ticket, TicketClock,  # noqa: E402
                        User)
from config import Config  # noqa: E402

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # a Friday, 11:00 in Beijing


def load(open_tickets, crossing):
    db.session.execute(insert(Category), [{"name": "类别", "description": "", "is_active": True}])
    db.session.execute(insert(User), [{"username": "sec", "display_name": "秘书", "password_hash": "x",
                                       "role": "secretary", "email": "", "mobile": "", "is_active": True,
                                       "session_version": 1, "is_director": False}])
    db.session.execute(insert(Enterprise), [{"name": f"企业{i}", "park": "", "industry": "", "contact_name": "",
                                             "mobile": "", "secretary_id": 1} for i in range(1, 201)])
    batch = 10000
    for start in range(0, open_tickets, batch):
        tickets, clocks = [], []
        for i in range(start + 1, min(open_tickets, start + batch) + 1):
            late = i <= crossing
            started = NOW - (timedelta(days=8) if late else timedelta(hours=2))  # late: past due by now
            tickets.append({"id": i, "number": f"JJ-2026-{i:06d}", "enterprise_id": 1 + i % 200, "secretary_id": 1,
                            "category_id": 1, "channel": "web", "urgency": "normal", "state": "processing",
                            "title": f"诉求{i}", "description": "", "contact_name": "", "contact_mobile": "",
                            "outcome": "", "access_code_hash": "0" * 64, "reopen_count": 0, "created_at": started,
                            "updated_at": started, "version": 1, "sla_level": "ok"})
            clocks.append({"ticket_id": i, "kind": "resolution", "unit": "working_days", "amount": 5,
                           "warning_percent": 75, "supervise_after_wd": 2, "escalate_after_wd": 5,
                           "started_at": started, "level": "ok", "breached": False,
                           "next_check_at": NOW - timedelta(minutes=1) if late else NOW + timedelta(days=3)})
        db.session.execute(insert(Ticket), tickets)
        db.session.execute(insert(TicketClock), clocks)
        db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def run(url, open_tickets, crossing):
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, CLOCK=FrozenClock(NOW))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        load(open_tickets, crossing)
        t0 = time.perf_counter()
        result = sweep(NOW)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        idle = sweep(NOW)
        second = time.perf_counter() - t0
        changes = db.session.scalar(select(func.count(ClockLevelChange.id)))
        notes = db.session.scalar(select(func.count(Notification.id)))
        db.engine.dispose()
    return first, second, result, idle, changes, notes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--crossing", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'open tickets':>12} {'crossing':>8} {'sweep s':>8} {'idle sweep ms':>13} {'level changes':>13} "
          f"{'notifications':>13}")
    for n in (10_000, 100_000):
        url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/sweep.db"
        first, second, result, idle, changes, notes = run(url, n, args.crossing)
        assert result["checked"] == args.crossing and idle["checked"] == 0
        print(f"{n:>12} {args.crossing:>8} {first:>8.2f} {second * 1000:>13.1f} {changes:>13} {notes:>13}")


if __name__ == "__main__":
    main()
