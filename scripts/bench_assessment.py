"""Benchmark: how long the monthly assessment takes for a month with 100,000 tickets (not a test; prints figures).

    .venv/bin/python scripts/bench_assessment.py [--tickets 100000] [--database-url URL] [--repeat 3]

Builds a throwaway database (SQLite under /tmp by default), bulk-loads one month (October 2026) of tickets with
their clocks (acknowledge, first reply, sign-off, resolution), assignments, events and ratings, plus visits
and a quieter previous month, then times the real code: both rankings (live draft), the centre's figures, the
whole month page and report through the test client, one drill-down, and publishing (facts copied by
INSERT … SELECT).
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.assessment import publishing, report  # noqa: E402
from app.assessment.period import Month  # noqa: E402
from app.timesource import FrozenClock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (AssessmentFact, Assignment, Category, Department, Enterprise, Rating, Ticket,  # noqa: E402
                        TicketClock, TicketEvent, User, Visit)
from config import Config  # noqa: E402

MONTH = Month(2026, 10)
SECRETARIES, DEPARTMENTS = 12, 8


def _clock(ticket_id, kind, started, due, stopped, assignment_id=None):
    return {"ticket_id": ticket_id, "kind": kind, "assignment_id": assignment_id, "unit": "working_days", "amount": 5,
            "warning_percent": 75, "supervise_after_wd": 2, "escalate_after_wd": 5, "started_at": started,
            "stopped_at": stopped, "due_at": due, "level": "ok", "breached": bool(stopped and stopped > due)}


def load(n):
    rng = random.Random(5)
    db.session.execute(insert(Department), [{"name": f"部门{i}", "is_active": True} for i in range(1, DEPARTMENTS + 1)])
    db.session.execute(insert(Category), [{"name": f"类别{i}", "description": "", "is_active": True}
                                          for i in range(1, 10)])
    users = [{"username": f"sec{i}", "display_name": f"秘书{i}", "password_hash": "x", "role": "secretary",
              "email": "", "mobile": "", "is_active": True, "session_version": 1} for i in range(1, SECRETARIES + 1)]
    users.append({"username": "sup", "display_name": "督办", "password_hash": "x", "role": "supervisor",
                  "email": "", "mobile": "", "is_active": True, "session_version": 1})
    db.session.execute(insert(User), users)
    db.session.execute(insert(Enterprise), [{"name": f"企业{i}", "credit_code": None, "park": "", "industry": "",
                                             "contact_name": "", "mobile": "", "secretary_id": 1 + i % SECRETARIES}
                                            for i in range(1, 2001)])
    start = MONTH.start - timedelta(days=20)  # some clocks start in September and are decided in October
    span = (MONTH.end - start).total_seconds()
    batch, assignment_id = 10_000, 0
    for first in range(1, n + 1, batch):
        tickets, events, assignments, clocks, ratings = [], [], [], [], []
        for i in range(first, min(n, first + batch - 1) + 1):
            created = start + timedelta(seconds=rng.random() * span * 0.95)
            resolved = created + timedelta(days=rng.choice([2, 4, 6, 9, 15]))
            done = resolved < MONTH.end and rng.random() < 0.85
            state = "closed" if done else "processing"
            tickets.append({"id": i, "number": f"JJ-2026-{i:06d}", "enterprise_id": 1 + i % 2000,
                            "secretary_id": 1 + i % SECRETARIES, "category_id": 1 + i % 9,
                            "channel": rng.choice(["web", "web", "visit", "phone", "hotline"]), "urgency": "normal",
                            "state": state, "title": f"诉求{i}", "description": "描述", "contact_name": "",
                            "contact_mobile": "", "outcome": "", "access_code_hash": "0" * 64, "reopen_count": 0,
                            "created_at": created, "updated_at": created, "accepted_at": created,
                            "resolved_at": resolved if done else None, "version": 1})
            events.append({"ticket_id": i, "at": created, "actor_name": "企业", "kind": "created", "body": "",
                           "data": "{}", "is_public": True})
            events.append({"ticket_id": i, "at": created, "actor_name": "秘书", "kind": "accepted", "body": "",
                           "data": "{}", "is_public": True})
            clocks.append(_clock(i, "acknowledge", created, created + timedelta(hours=24), created))
            clocks.append(_clock(i, "first_reply", created, created + timedelta(days=1),
                                 created + timedelta(hours=rng.choice([2, 5, 30]))))
            dispatched = i % 3 != 0
            if dispatched:
                assignment_id += 1
                returned = rng.random() < 0.05
                assignments.append({"id": assignment_id, "ticket_id": i, "department_id": 1 + i % DEPARTMENTS,
                                    "role": "lead", "status": "returned" if returned else "signed",
                                    "instructions": "", "return_reason": "", "dispatched_at": created,
                                    "returned_at": created + timedelta(hours=2) if returned else None})
                clocks.append(_clock(i, "sign_off", created, created + timedelta(days=1),
                                     created + timedelta(hours=rng.choice([1, 3, 28])), assignment_id))
            clocks.append(_clock(i, "resolution", created, created + timedelta(days=7), resolved if done else None))
            if done:
                events.append({"ticket_id": i, "at": resolved, "actor_name": "秘书", "kind": "resolved", "body": "",
                               "data": "{}", "is_public": True})
                if rng.random() < 0.6:
                    ratings.append({"ticket_id": i, "satisfaction": rng.choice("55543"),
                                    "solved": rng.choice(["solved", "solved", "partly"]), "comment": "",
                                    "created_at": resolved + timedelta(hours=3)})
        db.session.execute(insert(Ticket), tickets)
        db.session.execute(insert(TicketEvent), events)
        if assignments:
            db.session.execute(insert(Assignment), assignments)
        db.session.execute(insert(TicketClock), clocks)
        if ratings:
            db.session.execute(insert(Rating), ratings)
        db.session.commit()
    db.session.execute(insert(Visit), [{"enterprise_id": 1 + i % 2000, "secretary_id": 1 + i % SECRETARIES,
                                        "kind": "visit", "visited_on": date(2026, 10, 1 + i % 28), "participants": "",
                                        "summary": "走访"} for i in range(600)])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    clock = FrozenClock(datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc))
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                     PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", CLOCK=clock)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        t0 = time.perf_counter()
        load(args.tickets)
        in_month = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.created_at >= MONTH.start))
        print(f"loaded {args.tickets} tickets ({in_month} created in {MONTH}), "
              f"{db.session.scalar(select(func.count(TicketClock.id)))} clocks, "
              f"{db.session.scalar(select(func.count(Rating.id)))} ratings in {time.perf_counter() - t0:.1f} s "
              f"on {db.engine.dialect.name}")
        sup = db.session.scalar(select(User).where(User.username == "sup"))
        sup.set_password("bench-password")
        db.session.commit()
    rows = []
    with app.test_request_context():
        now = clock.now()
        rows.append(("rank secretaries (live)",
                     *timed(lambda: publishing.live_scores("secretary", MONTH), args.repeat)))
        rows.append(("rank departments (live)",
                     *timed(lambda: publishing.live_scores("department", MONTH), args.repeat)))
        rows.append(("centre figures", *timed(lambda: report.month_figures(MONTH, now), args.repeat)))
        top = publishing.live_scores("secretary", MONTH)[0]
        print(f"check: {top.name} score {top.score} on {top.volume} tickets, "
              f"on-time {top.figures['on_time'].counted} clocks")
    client = app.test_client()
    client.post("/login", data={"username": "sup", "password": "bench-password"})

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    rows.append(("GET month page (draft)", *timed(lambda: get(f"/assessment/{MONTH}"), args.repeat)))
    rows.append(("GET report (draft)", *timed(lambda: get(f"/assessment/{MONTH}/report"), args.repeat)))
    rows.append(("GET drill-down (draft)", *timed(lambda: get(f"/assessment/{MONTH}/secretary/1/on_time?view=draft"),
                                                 args.repeat)))
    t0 = time.perf_counter()
    response = client.post(f"/assessment/{MONTH}/publish", data={"note": ""})
    assert response.status_code == 303, response.status_code
    rows.append(("publish (freeze all facts)", (time.perf_counter() - t0) * 1000, (time.perf_counter() - t0) * 1000))
    with app.app_context():
        facts = db.session.scalar(select(func.count(AssessmentFact.id)))
    rows.append(("GET month page (published)", *timed(lambda: get(f"/assessment/{MONTH}"), args.repeat)))
    rows.append(("GET drill-down (published)", *timed(lambda: get(f"/assessment/{MONTH}/secretary/1/on_time"),
                                                     args.repeat)))
    rows.append(("GET report.xlsx (published)", *timed(lambda: get(f"/assessment/{MONTH}/report.xlsx"),
                                                      args.repeat)))
    print(f"published {facts} fact rows")
    print(f"{'step':<30} {'median ms':>10} {'max ms':>9}")
    for label, median, worst in rows:
        print(f"{label:<30} {median:>10.0f} {worst:>9.0f}")


if __name__ == "__main__":
    main()
