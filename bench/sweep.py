"""Measure the SLA sweep: 1,000 clocks that change among N running ones, for each N given.

    .venv/bin/python bench/sweep.py [--open 10000,1000000] [--changes 1000] [--database-url URL]

For each N, the database is rebuilt (`flask db upgrade`) with N cases, each with one running resolution clock:
N − 1,000 of them are due a month from now and wait behind `next_check_at` (the sweep must not read them), and
1,000 fell due an hour ago without the sweep having seen it. The rows go in by INSERT … SELECT over a series of
numbers. Then `sweep(now)` runs, the real one (level changes recorded, events written, messages queued), three
times, the 1,000 put back before each; the median is printed with the ratio to the smallest N.
"""
import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import Config  # noqa: E402

ROOT = Path(__file__).resolve().parent


def _series(dialect: str, n: int) -> str:
    """A FROM clause yielding i = 1..n."""
    if dialect == "postgresql":
        return f"generate_series(1, {int(n)}) AS s(i)"
    return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) SELECT i FROM s) AS s"


def _stamp(dialect: str, dt: datetime):
    """A naive-UTC datetime as the column stores it (SQLAlchemy writes SQLite datetimes as text)."""
    naive = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return naive if dialect == "postgresql" else naive.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(url: str, n: int, changes: int, now: datetime):
    """A fresh schema with n cases and their running clocks, `changes` of them due an hour ago."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SCHEDULER=False, MAIL_SERVER="", WEBHOOK_URL="")
    with app.app_context():
        dialect = db.engine.dialect.name
        with db.engine.begin() as conn:
            if dialect == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                conn.execute(text("PRAGMA journal_mode=WAL"))
        upgrade()
        p = {k: _stamp(dialect, v) for k, v in {
            "created": now - timedelta(days=10), "later": now + timedelta(days=30),
            "look": now + timedelta(days=20), "past": now - timedelta(hours=1), "missed": now - timedelta(minutes=1),
        }.items()}
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO category (id, name, description, is_active) VALUES (1, '政策咨询', '', true)"))
            conn.execute(text("INSERT INTO \"user\" (id, username, display_name, password_hash, role, is_active, "
                              "is_director, session_version, email, mobile) VALUES (1, 'sec1', '秘书一', 'x', "
                              "'secretary', true, false, 1, '', '')"))
            conn.execute(text("INSERT INTO enterprise (id, name, secretary_id, park, industry, contact_name, mobile, "
                              "contact_verified) VALUES (1, '压测企业', 1, '', '', '', '', false)"))
            conn.execute(text(
                "INSERT INTO ticket (id, number, enterprise_id, secretary_id, category_id, channel, urgency, state, "
                "title, description, contact_name, contact_mobile, outcome, access_code_hash, reopen_count, "
                "created_at, updated_at, accepted_at, due_at, due_unit, sla_level, version) "
                f"SELECT i, 'S' || CAST(i AS TEXT), 1, 1, 1, 'web', 'normal', 'processing', '压测诉求', '', '', '', "
                f"'', '', 0, :created, :created, :created, CASE WHEN i <= {changes} THEN :past ELSE :later END, "
                f"'working_days', 'ok', 1 FROM {_series(dialect, n)}"), p)
            conn.execute(text(
                "INSERT INTO ticket_clock (id, ticket_id, kind, unit, amount, warning_percent, supervise_after_wd, "
                "escalate_after_wd, started_at, due_at, level, next_check_at, breached, convened) "
                "SELECT i, i, 'resolution', 'working_days', 5, 80, 1, 3, :created, "
                f"CASE WHEN i <= {changes} THEN :past ELSE :later END, 'ok', "
                f"CASE WHEN i <= {changes} THEN :missed ELSE :look END, false, false FROM {_series(dialect, n)}"), p)
            if dialect == "postgresql":
                for table in ("ticket", "ticket_clock"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {int(n)})"))
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return app, time.perf_counter() - t0, p


def reset(app, changes: int, p: dict) -> None:
    """Put the changing clocks back as the sweep first found them."""
    with app.app_context(), db.engine.begin() as conn:
        for table in ("clock_level_change", "ticket_event", "notification"):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text(f"UPDATE ticket_clock SET level = 'ok', breached = false, next_check_at = :missed "
                          f"WHERE id <= {changes}"), p)
        conn.execute(text(f"UPDATE ticket SET sla_level = 'ok', supervised_at = NULL, version = 1 "
                          f"WHERE id <= {changes}"))


def measure(app, changes: int, p: dict, now: datetime, runs: int = 3):
    """Median seconds of `runs` sweeps, and what the last one did."""
    from app.supervision.sweep import sweep
    times, result = [], None
    for _ in range(runs):
        reset(app, changes, p)
        with app.test_request_context():
            t = time.perf_counter()
            result = sweep(now)
            times.append(time.perf_counter() - t)
            db.session.remove()
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", default="10000,1000000", help="numbers of running clocks, comma-separated")
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="default: sqlite:///bench/data/sweep.db")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{ROOT / 'data' / 'sweep.db'}"
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    now = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # a Wednesday, 10:00 in Beijing
    rows = []
    for n in (int(x) for x in args.open.split(",")):
        if url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        app, built, p = build(url, n, args.changes, now)
        seconds, result = measure(app, args.changes, p, now)
        rows.append((n, seconds, result, built))
        print(f"{n:>10,} running clocks (built in {built:.0f} s): sweep of {args.changes:,} changes "
              f"{seconds * 1000:,.0f} ms (median of 3); checked {result['checked']:,}, recorded "
              f"{result['recorded']:,} in {result['batches']} batches", flush=True)
    base = rows[0][1]
    for n, seconds, _r, _b in rows[1:]:
        print(f"ratio {n:,} / {rows[0][0]:,}: {seconds / base:.2f}×")


if __name__ == "__main__":
    main()
