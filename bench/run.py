"""Measure Jianjian over HTTP, as browsers use it, through gunicorn with the production settings.

    .venv/bin/python bench/run.py --database-url URL [--requests 40] [--workers 4] [--json bench/results.json]

Starts gunicorn (JJ_ENV=production, 4 sync workers) on the database `bench/generate.py` built, logs in as a
secretary, a supervisor and a department officer (login form with its CSRF token), then requests each page
in turn and prints one table: p50 and p95 in ms (client side, keep-alive), SQL statements per page (the
app's X-Query-Count header, which only this runner turns on) and every web worker's RSS after the run.
Then 16 clients submit the public form for a while (page, CSRF token, one-time key, POST) and the rate of
tickets per second is printed with the number lost. Rate limits are off: all load comes from 127.0.0.1.
`--pages REGEX` times only the pages whose label matches, and nothing else: a quick before and after of one change.
"""
import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sla.calendar import SHANGHAI  # noqa: E402
from tests.reliability.client import CSRF_RE, NUMBER_RE, Browser, percentile, submit_form  # noqa: E402

PASSWORD = "bench-password"


def app_env(url):
    """The environment of the web workers and of the SLA worker: production settings on the bench database."""
    return dict(os.environ, DATABASE_URL=url, JJ_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                SESSION_COOKIE_SECURE="0", RATELIMIT_ENABLED="0", QUERY_COUNT_HEADER="1", SCHEDULER="0",
                UPLOAD_FOLDER="/tmp/jj-bench-uploads")


REFRESH = """
import time
from app import create_app
from app.supervision.scheduler import run_draft_refresh
app = create_app()
start = time.perf_counter()
months = run_draft_refresh(app)
print(",".join(months) or "-", round((time.perf_counter() - start) * 1000))
"""


def refresh_drafts(url):
    """What the SLA worker does every minute: tally the months under review whose snapshot is missing, half
    DRAFT_CACHE_SECONDS old or out of date (the pages read them). Run before the pages are timed, as a running worker
    would have, and after 按最新数据重算; returns (months, ms)."""
    out = subprocess.run([sys.executable, "-c", REFRESH], cwd=ROOT, env=app_env(url), capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


BOARD = """
import time
from app import create_app
from app.assessment import hall
from app.projects import sheet_figures
from app.supervision import board
from app.timesource import utcnow
app = create_app()
with app.app_context():
    start = time.perf_counter()
    kept = board.keep_tallies(utcnow())
    hall.keep_counts(utcnow())
    projects = sheet_figures.keep_figures(utcnow())
    print(kept["tabs"]["late"], projects, round((time.perf_counter() - start) * 1000))
"""


BEAT = """
from app import create_app
from app.assessment import drafts
from app.extensions import db
from app.supervision.sweep import beat
from app.timesource import utcnow
app = create_app()
with app.app_context():
    beat(drafts.WORKER_JOB, utcnow(), "bench")
    db.session.commit()
"""


def stamp_worker(url):
    """The SLA worker's draft job beats every minute; the runner runs none, so it stamps the heartbeat before the
    rows that depend on it (on a slow machine the pages before them take longer than WORKER_FRESH)."""
    subprocess.run([sys.executable, "-c", BEAT], cwd=ROOT, env=app_env(url), capture_output=True, text=True,
                   check=True)


STAGE = """
import time
from app import create_app
from app.assessment import staging
from app.timesource import utcnow
app = create_app()
with app.app_context():
    start = time.perf_counter()
    done = staging.keep(utcnow())
    print(round((time.perf_counter() - start) * 1000), done)
"""


def keep_stage(url):
    """What the SLA worker does every minute: build a month's staged lines once it has ended (or again after its
    publication took them; last month and the two before it), else rewrite the lines of the cases changed since in
    each stage. Returns (what it did, ms)."""
    out = subprocess.run([sys.executable, "-c", STAGE], cwd=ROOT, env=app_env(url), capture_output=True, text=True,
                         check=True).stdout.strip().split(" ", 1)
    return out[1], int(out[0])


def keep_board_tallies(url):
    """What the SLA worker does after every sweep: tally the overdue board's counts, each department's late cases,
    the hall board's counts and the 一表制 sheet's figures (their pages read them). Returns (late cases, projects
    read, ms)."""
    out = subprocess.run([sys.executable, "-c", BOARD], cwd=ROOT, env=app_env(url), capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1]), int(out[2])


# The pages that read what the SLA worker keeps after every sweep (each minute): kept just before each is timed.
KEPT_BEFORE = ("/board/overdue", "/projects")


def start_gunicorn(url, workers, port, log):
    """gunicorn with production settings on 127.0.0.1:port; returns the process once it answers."""
    env = dict(app_env(url), WEB_CONCURRENCY=str(workers), BIND=f"127.0.0.1:{port}")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                             "--access-logfile", "/dev/null", "--backlog", "2048", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/submit", timeout=5).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start; see the log")


def worker_rss_mb(master_pid):
    """RSS of each gunicorn worker (children of the master), in MB."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master_pid:
                status = (stat.parent / "status").read_text()
                sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        except (OSError, ValueError, AttributeError):
            continue
    return sorted(sizes)


def login(base, username):
    """A browser signed in as `username`."""
    browser = Browser(base)
    _, html, _ = browser.get("/login")
    status, _, _ = browser.post("/login", {"csrf_token": CSRF_RE.search(html).group(1), "username": username,
                                          "password": PASSWORD})
    if status not in (302, 303):
        raise RuntimeError(f"login as {username} answered {status}")
    return browser


# Untimed requests first: two per web worker, so that no worker's first request (its calendar, its templates) is
# among the timed ones.
WARM = 8


def measure(browser, path, n, headers=None):
    """n GETs of one path after WARM warm-ups: (p50 ms, p95 ms, queries, bytes)."""
    times, queries, size = [], None, 0
    for i in range(n + WARM):
        start = time.perf_counter()
        conn = browser._connection()
        hdrs = {"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()), **(headers or {})}
        conn.request("GET", path, headers=hdrs)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        queries, size = response.headers.get("X-Query-Count"), len(body)
        if i >= WARM:
            times.append(elapsed)
    return percentile(times, 50), percentile(times, 95), int(queries or 0), size


def submissions(base, seconds, clients, category_id):
    """Public submissions from several clients for a while: (tickets per second, sent, errors)."""
    done, errors, stop = [], [], time.perf_counter() + seconds

    def client(k):
        browser, n = Browser(base), 0
        while time.perf_counter() < stop:
            n += 1
            try:
                _, html, _ = browser.get("/submit")
                status, page, _ = browser.post("/submit", submit_form(category_id, k * 100_000 + n, html))
                # success answers 200 with the tracking number and the one-time access code on the page
                (done if status == 200 and NUMBER_RE.search(page) else errors).append(status)
            except Exception as exc:  # counted, not hidden: a lost submission is a failure of the run
                errors.append(repr(exc))
        browser.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(done) / (time.perf_counter() - start), len(done), errors


BUSY_EVENTS = 100


def unpublish(url, month):
    """Bench data only: delete the versions of `month` that earlier runs published, with their lines, and any stage,
    so that every run starts from last month under review (a run publishes it) and its draft rows mean the same."""
    from sqlalchemy import create_engine, text
    from config import database_url
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM assessment_fact WHERE run_id IN (SELECT id FROM assessment_run WHERE month = :m) "
                          "OR run_id IN (SELECT lines_key FROM assessment_run WHERE month = :m) OR run_id < 0"),
                     {"m": month})
        removed = conn.execute(text("DELETE FROM assessment_run WHERE month = :m"), {"m": month}).rowcount
        conn.execute(text("DELETE FROM assessment_stage"))
        conn.execute(text("DELETE FROM assessment_stage_case"))
        conn.execute(text("DELETE FROM case_change"))
    engine.dispose()
    return removed


def vacuum(url):
    """PostgreSQL only: what autovacuum does between two runs in a real deployment (it is off on this machine), so
    that a run does not read the previous runs' submissions and deleted month lines as pages no index-only scan may
    skip (stop 32: a run without it after another read the lists 20-30 % slower at p50, twice at p95). Returns its
    ms, or None on SQLite."""
    from sqlalchemy import create_engine, text
    from config import database_url
    engine = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    if engine.dialect.name != "postgresql":
        engine.dispose()
        return None
    start = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return round((time.perf_counter() - start) * 1000)


def targets(url):
    """Ids the pages need, read from the database: a ticket with 100 events (the busiest, topped up with internal
    notes if it has fewer), a category, a department."""
    from sqlalchemy import create_engine, text
    from config import database_url
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        busy = conn.execute(text("SELECT ticket_id FROM ticket_event GROUP BY ticket_id "
                                 "ORDER BY count(*) DESC LIMIT 1")).scalar()
        events = conn.execute(text("SELECT count(*) FROM ticket_event WHERE ticket_id = :t"), {"t": busy}).scalar()
        last = conn.execute(text("SELECT max(at) FROM ticket_event WHERE ticket_id = :t"), {"t": busy}).scalar()
        for k in range(events, BUSY_EVENTS):
            conn.execute(text("INSERT INTO ticket_event (ticket_id, at, actor_id, actor_name, kind, from_state, "
                              "to_state, body, data, is_public) VALUES (:t, :at, NULL, '压测', 'noted', NULL, NULL, "
                              ":body, '{}', false)"), {"t": busy, "at": last, "body": f"内部备注 {k + 1}：跟进情况记录。"})
        events = max(events, BUSY_EVENTS)
        cases = conn.execute(text("SELECT max(id) FROM ticket")).scalar()
        category = conn.execute(text("SELECT min(id) FROM category")).scalar()
        # the department the runner's officer (dept1_1) belongs to, for the board filtered to one department
        department = conn.execute(text("SELECT department_id FROM \"user\" WHERE username = 'dept1_1'")).scalar()
    engine.dispose()
    return {"busy": busy, "busy_events": events, "cases": cases, "category": category, "department": department}


def timed_post(browser, page_path, post_path, fields):
    """Seconds for one form POST (its CSRF token read from `page_path`), which must answer with a redirect."""
    _, html, _ = browser.get(page_path)
    start = time.perf_counter()
    status, _, _ = browser.post(post_path, {"csrf_token": CSRF_RE.search(html).group(1), **fields})
    if status not in (302, 303):
        raise RuntimeError(f"POST {post_path} answered {status}")
    return time.perf_counter() - start


def recompute_times(browser, month, page, n=3):
    """ms for the draft page right after the supervisor's 按最新数据重算: a month slower than DRAFT_WAIT_MS shows its
    stored figures, saying the SLA worker is recomputing them (counted); a quick one is tallied on this request."""
    suffix = "/report" if page == "report" else ""
    times, recomputing = [], 0
    for _ in range(n):
        timed_post(browser, f"/assessment/{month}?view=draft", f"/assessment/{month}/recompute", {"page": page})
        start = time.perf_counter()
        status, html, _ = browser.get(f"/assessment/{month}{suffix}?view=draft")
        if status != 200:
            raise RuntimeError(f"draft {page} answered {status}")
        times.append((time.perf_counter() - start) * 1000)
        recomputing += 'id="draft-recomputing"' in html
    return percentile(times, 50), max(times), n - recomputing  # and how many were tallied on the request


def worker_first(url, last_month, rows):
    """What a running SLA worker has done before the pages are requested: the lines of last month and the two before
    it staged and the draft snapshots tallied (each appended to `rows` with its time)."""
    # The SLA worker stages last month's lines as soon as it has ended (its drafts then rank from them), then the two
    # months before it, one a minute: done first, as a running worker would have.
    for n in (1, 2, 3):
        done, stage_ms = keep_stage(url)
        rows.append({"page": f"SLA worker: a month's lines staged, {n} of 3 ({done})", "p50_ms": stage_ms,
                     "p95_ms": stage_ms, "queries": 0})
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    months, refresh_ms = refresh_drafts(url)
    rows.append({"page": f"SLA worker: draft snapshots of {months}", "p50_ms": refresh_ms, "p95_ms": refresh_ms,
                 "queries": 0})
    print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)


def months_and_submissions(args, ids, base, sup, rows, last_month, month_before, month_third):
    """The month pages after 按最新数据重算, publishing months, the published pages and 16 clients submitting the
    public form (rows appended to `rows`); returns (submissions per second, tickets sent, errors)."""
    for page in ("month", "report"):
        stamp_worker(args.database_url)  # as a running worker would have within the last minute
        try:
            p50, worst, on_request = recompute_times(sup, last_month, page)
            how = f"tallied on the request {on_request}/3" if on_request else "the worker recomputing"
            rows.append({"page": f"assessment {last_month} {page} (draft, after 按最新数据重算: {how})",
                         "p50_ms": round(p50, 1), "p95_ms": round(worst, 1), "queries": 0})
        except Exception as exc:
            rows.append({"page": f"assessment {last_month} {page} (draft, after 按最新数据重算)", "error": str(exc)})
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    # The SLA worker's next run: it tallies the months the request put out of date (the tally a request would
    # otherwise have waited for).
    again, again_ms = refresh_drafts(args.database_url)
    rows.append({"page": f"SLA worker: draft snapshots {again} recomputed after 按最新数据重算", "p50_ms": again_ms,
                 "p95_ms": again_ms, "queries": 0})
    print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    try:
        # Publishing a month also freezes last month's figures for the comparison: tallied afresh when last month
        # is not published (the first run on a new database), read from its publication when it is (a centre
        # publishing month by month). Both are timed.
        def publish(month, label):
            seconds = timed_post(sup, f"/assessment/{month}?view=draft", f"/assessment/{month}/publish",
                                 {"republish": "y", "note": "压测：重新发布"})
            rows.append({"page": label, "p50_ms": round(seconds * 1000), "p95_ms": round(seconds * 1000),
                         "queries": 0})
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)

        def stage(label):
            done, ms = keep_stage(args.database_url)
            rows.append({"page": f"SLA worker: {label} ({done})", "p50_ms": ms, "p95_ms": ms, "queries": 0})
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)

        # The two months before last month, published again (after an appeal) from the lines the worker keeps staged,
        # brought up to date by the worker's minute and by the publication itself.
        stage("the stages caught up, before the older months' publication")
        publish(month_before, f"publish {month_before} (POST), from its staged lines")
        publish(month_third, f"publish {month_third} (POST), from its staged lines")
        # Published once more before the worker has staged it again: a full tally of its lines.
        publish(month_before, f"publish {month_before} again before the worker staged it anew (POST): a full tally")
        stage(f"{month_before}'s lines staged again after its publication")
        stage(f"{month_third}'s lines staged again after its publication")
        # Last month (the one a centre publishes, the month before it published) from its stage, built at the start
        # and again after a publication took it.
        stage("the stages caught up, before last month's publication")
        publish(last_month, f"publish {last_month} (POST), from its staged lines")
        stage(f"{last_month}'s lines staged again after its publication")
        publish(last_month, f"publish {last_month} again (POST), from its staged lines")
        stage(f"{last_month}'s lines staged again")
        for label, path in ((f"assessment {month_before} (published)", f"/assessment/{month_before}"),
                            (f"assessment {month_before} report (published)",
                             f"/assessment/{month_before}/report")):
            p50, p95, queries, size = measure(sup, path, args.requests)
            rows.append({"page": label, "path": path, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                         "queries": queries, "kb": round(size / 1024)})
    except Exception as exc:
        rows.append({"page": f"publish {month_before}", "error": str(exc)})
    print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    rate, sent, errors = submissions(base, args.submit_seconds, 16, ids["category"])
    try:
        done, ms = keep_stage(args.database_url)
        rows.append({"page": f"SLA worker: staged lines after the submissions ({done})", "p50_ms": ms,
                     "p95_ms": ms, "queries": 0})
    except Exception as exc:
        rows.append({"page": "SLA worker: staged lines after the submissions", "error": str(exc)})
    return rate, sent, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--submit-seconds", type=int, default=20)
    parser.add_argument("--json", default=None)
    parser.add_argument("--pages", default=None, metavar="REGEX",
                        help="time only the pages whose label matches (no months, publishing or submissions; the SLA "
                             "worker's tallies only before the pages that read them): a quick before and after")
    args = parser.parse_args()
    full = args.pages is None
    ids = targets(args.database_url)
    # The centre's months are Beijing's (as the app counts them): from 16:00 UTC on a month's last day it is already
    # the next month there.
    now = datetime.now(SHANGHAI)
    last_month = f"{now.year - (now.month == 1)}-{(now.month - 2) % 12 + 1:02d}"
    m2 = (now.year * 12 + now.month - 3)
    month_before = f"{m2 // 12}-{m2 % 12 + 1:02d}"  # published by the run (again, as a new version, if it was)
    month_third = f"{(m2 - 1) // 12}-{(m2 - 1) % 12 + 1:02d}"  # the month before that, published in between
    removed = unpublish(args.database_url, last_month) if full else 0
    if removed:
        print(f"bench: {removed} version(s) of {last_month} from earlier runs removed", file=sys.stderr, flush=True)
    vacuumed = vacuum(args.database_url)
    if vacuumed is not None:
        print(f"bench: VACUUM ANALYZE in {vacuumed} ms", file=sys.stderr, flush=True)
    rows = []
    if full:
        worker_first(args.database_url, last_month, rows)
    log = open("/tmp/jj-bench-gunicorn.log", "w")
    proc = start_gunicorn(args.database_url, args.workers, args.port, log)
    base = f"http://127.0.0.1:{args.port}"
    try:
        sec, sup, dept = login(base, "sec1"), login(base, "sup1"), login(base, "dept1_1")
        hx = {"HX-Request": "true"}
        pages = [
            ("list: processing, 50 rows (secretary)", sec, "/tickets?state=processing", None),
            ("list: processing, 50 rows (supervisor)", sup, "/tickets?state=processing", None),
            ("list: htmx filter, page 3 (supervisor)", sup, "/tickets?state=processing&page=3", hx),
            ("search 用电 (supervisor)", sup, "/tickets?q=%E7%94%A8%E7%94%B5", None),
            ("search 环评 (secretary)", sec, "/tickets?q=%E7%8E%AF%E8%AF%84", None),
            ("workspace: secretary", sec, "/workspace", None),
            ("workspace: supervisor", sup, "/workspace", None),
            ("workspace: department", dept, "/workspace", None),
            (f"ticket page ({ids['busy_events']} events)", sup, f"/tickets/{ids['busy']}", None),
            ("overdue board", sup, "/board/overdue", None),
            ("overdue board, by department", sup, "/board/overdue?view=department", None),
            ("overdue board, one department's cases", sup, f"/board/overdue?department={ids['department']}", None),
            ("shared pool list (secretary)", sec, "/tickets?pool=1", None),
            ("list: all cases (department officer)", dept, "/tickets", None),
            ("list: closed tab, by deadline (supervisor)", sup, "/tickets?state=closed", None),
            ("list: filtered to a department (secretary)", sec, f"/tickets?department={ids['department']}", None),
            ("meetings (department officer)", dept, "/meetings", None),
            ("visits (supervisor)", sup, "/visits", None),
            ("一表制 sheet (supervisor)", sup, "/projects", None),
            (f"evaluation invitations {last_month} (supervisor)", sup, f"/assessment/{last_month}/invitations", None),
            ("hall board", sup, "/hall", None),
            (f"assessment {last_month} (draft snapshot)", sup, f"/assessment/{last_month}?view=draft", None),
            (f"assessment {last_month} report (draft snapshot)", sup, f"/assessment/{last_month}/report?view=draft",
             None),
        ]
        if not full:
            pages = [page for page in pages if re.search(args.pages, page[0])]
        for label, browser, path, headers in pages:
            if path in KEPT_BEFORE:
                late, projects, board_ms = keep_board_tallies(args.database_url)
                label_kept = f"SLA worker: board, hall and sheet tallies before {path} ({late:,} late cases, " \
                             f"{projects:,} projects)"
                rows.append({"page": label_kept, "p50_ms": board_ms, "p95_ms": board_ms, "queries": 0})
                print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
            try:
                p50, p95, queries, size = measure(browser, path, args.requests, headers)
                rows.append({"page": label, "path": path, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                             "queries": queries, "kb": round(size / 1024)})
            except Exception as exc:
                rows.append({"page": label, "path": path, "error": str(exc)})
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
        rate, sent, errors = None, 0, []
        if full:
            rate, sent, errors = months_and_submissions(args, ids, base, sup, rows, last_month, month_before,
                                                        month_third)
        rss = worker_rss_mb(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    dialect = args.database_url.split(":", 1)[0]
    print(f"\n{dialect}, {ids['cases']:,} cases, gunicorn {args.workers} workers, {args.requests} requests per page")
    print(f"| {'page':<44} | {'p50 ms':>7} | {'p95 ms':>7} | {'SQL':>4} |")
    print(f"|{'-' * 46}|{'-' * 9}|{'-' * 9}|{'-' * 6}|")
    for row in rows:
        if "error" in row:
            print(f"| {row['page']:<44} | {'error: ' + row['error'][:40]} |")
        else:
            print(f"| {row['page']:<44} | {row['p50_ms']:>7.1f} | {row['p95_ms']:>7.1f} | {row['queries']:>4} |")
    if rate is not None:
        print(f"public submissions, 16 clients: {rate:.0f}/s ({sent} tickets, {len(errors)} errors)")
    print("web worker RSS after the run: " + ", ".join(f"{mb:.0f} MB" for mb in rss))
    if args.json:
        Path(args.json).write_text(json.dumps({"database": dialect, "cases": ids["cases"], "pages": rows,
                                               "submissions_per_s": rate and round(rate, 1),
                                               "submission_errors": errors[:20],
                                               "worker_rss_mb": rss, "at": now.isoformat()}, ensure_ascii=False,
                                              indent=1))


if __name__ == "__main__":
    main()
