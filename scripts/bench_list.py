"""Benchmark: how long the staff list takes to show 50 of 100,000 tickets (not a test; prints figures).

    .venv/bin/python scripts/bench_list.py [--tickets 100000] [--database-url URL]

Builds a throwaway database (SQLite under /tmp by default), bulk-loads tickets with events and assignments,
then times the real routes through the Flask test client: median and p95 over repeated requests.
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Assignment, Category, Department, Enterprise, Ticket, TicketEvent, User  # noqa: E402
from config import Config  # noqa: E402

STATES = ["intake", "triage", "processing", "on_hold", "resolved", "closed", "closed", "closed", "rejected"]


def load(n):
    rng = random.Random(1)
    now = datetime.now(timezone.utc)
    db.session.execute(insert(Department), [{"name": f"部门{i}", "is_active": True} for i in range(1, 9)])
    db.session.execute(insert(Category), [{"name": f"类别{i}", "description": "", "is_active": True}
                                          for i in range(1, 10)])
    users = [{"username": f"sec{i}", "display_name": f"秘书{i}", "password_hash": "x", "role": "secretary",
              "email": "", "mobile": "", "is_active": True, "session_version": 1} for i in range(1, 9)]
    users += [{"username": f"off{i}", "display_name": f"经办{i}", "password_hash": "x", "role": "officer",
               "department_id": i, "email": "", "mobile": "", "is_active": True, "session_version": 1}
              for i in range(1, 9)]
    users.append({"username": "sup", "display_name": "督办", "password_hash": "x", "role": "supervisor",
                  "email": "", "mobile": "", "is_active": True, "session_version": 1})
    db.session.execute(insert(User), users)
    db.session.execute(insert(Enterprise), [{"name": f"苏州测试企业{i}有限公司", "credit_code": None, "park": "",
                                             "industry": "", "contact_name": "", "mobile": "",
                                             "secretary_id": 1 + i % 8} for i in range(1, 401)])
    batch = 10000
    for start in range(0, n, batch):
        tickets, events, assignments = [], [], []
        for i in range(start + 1, min(n, start + batch) + 1):
            created = now - timedelta(minutes=rng.randrange(0, 180 * 24 * 60))
            state = rng.choice(STATES)
            tickets.append({"id": i, "number": f"JJ-2026-{i:06d}", "enterprise_id": 1 + i % 400,
                            "secretary_id": 1 + i % 8, "category_id": 1 + i % 9, "channel": "web",
                            "urgency": "normal", "state": state, "title": f"诉求标题{i} 用电增容", "description": "描述",
                            "contact_name": "", "contact_mobile": "", "outcome": "", "access_code_hash": "0" * 64,
                            "reopen_count": 0, "created_at": created, "updated_at": created,
                            "due_at": created + timedelta(days=rng.randrange(1, 10)), "version": 1})
            events.append({"ticket_id": i, "at": created, "actor_name": "企业", "kind": "created", "body": "",
                           "data": "{}", "is_public": True})
            if state in ("processing", "on_hold", "resolved", "closed"):
                assignments.append({"ticket_id": i, "department_id": 1 + i % 8, "role": "lead", "status": "signed",
                                     "instructions": "", "return_reason": "", "dispatched_at": created})
        db.session.execute(insert(Ticket), tickets)
        db.session.execute(insert(TicketEvent), events)
        if assignments:
            db.session.execute(insert(Assignment), assignments)
        db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(client, url, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), sorted(times)[int(0.95 * (len(times) - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                     PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        t0 = time.perf_counter()
        load(args.tickets)
        print(f"loaded {args.tickets} tickets in {time.perf_counter() - t0:.1f} s on {db.engine.dialect.name}")
        for user in db.session.query(User).filter(User.username.in_(["sec1", "off1", "sup"])):
            user.set_password("bench-password")
        db.session.commit()
    rows = []
    for username in ("sup", "sec1", "off1"):
        client = app.test_client()
        client.post("/login", data={"username": username, "password": "bench-password"})
        for label, path in (("list, first page", "/tickets"), ("open, by deadline", "/tickets?state=open"),
                            ("search 用电", "/tickets?q=%E7%94%A8%E7%94%B5"), ("page 500", "/tickets?page=500"),
                            ("workspace", "/workspace")):
            median, p95 = timed(client, path, args.repeat)
            rows.append((username, label, median, p95))
    print(f"{'user':<5} {'request':<20} {'median ms':>10} {'p95 ms':>8}")
    for username, label, median, p95 in rows:
        print(f"{username:<5} {label:<20} {median:>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
