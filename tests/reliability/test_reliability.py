"""Reliability under load, faults and races, against real processes. Each test prints its figures.

Run with `pytest -m reliability -s` (CI runs them on SQLite and on PostgreSQL)."""
import os
import re
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from tests.reliability.client import CSRF_RE, NUMBER_RE, Browser, percentile, submit_form
from tests.reliability.conftest import PYTHON, ROOT, app_for

pytestmark = pytest.mark.reliability

BURST_CLIENTS = int(os.environ.get("JJ_BURST_CLIENTS", 200))
BURST_SECONDS = float(os.environ.get("JJ_BURST_SECONDS", 30))


def _category(url):
    app = app_for(url)
    with app.app_context():
        from app.extensions import db
        from app.models import Category
        cat = Category(name="压测类别", description="", is_active=True)
        db.session.add(cat)
        db.session.commit()
        return cat.id


def _count(url, model_name, *where):
    app = app_for(url)
    with app.app_context():
        from app import models
        from app.extensions import db
        model = getattr(models, model_name)
        value = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.engine.dispose()
        return value


def test_burst_of_public_submissions_loses_nothing(gunicorn, tmp_path):
    """200 clients submit for 30 s; every success is stored, nothing fails, backups taken meanwhile are sound."""
    base, url = gunicorn["base"], gunicorn["url"]
    category = _category(url)
    deadline = time.monotonic() + BURST_SECONDS
    lock = threading.Lock()
    stats = {"ok": 0, "errors": 0, "other": 0, "latencies": [], "numbers": set(), "statuses": {}}

    def client(n):
        browser = Browser(base)
        i = 0
        while time.monotonic() < deadline:
            i += 1
            try:
                status, html, _ = browser.get("/submit")
                if status != 200:
                    raise RuntimeError(f"GET /submit answered {status}")
                status, body, seconds = browser.post("/submit", submit_form(category, n * 100000 + i, html))
            except Exception as exc:  # noqa: BLE001
                with lock:
                    stats["other"] += 1
                    stats["statuses"][type(exc).__name__] = stats["statuses"].get(type(exc).__name__, 0) + 1
                browser.close()
                continue
            with lock:
                stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
                if status == 200 and NUMBER_RE.search(body):
                    stats["ok"] += 1
                    stats["latencies"].append(seconds)
                    stats["numbers"].add(NUMBER_RE.search(body).group(1))
                elif status >= 500:
                    stats["errors"] += 1
                else:
                    stats["other"] += 1
        browser.close()

    backups = []

    def backup_loop():
        app = app_for(url)
        from app.ops import backup_postgres, backup_sqlite
        k = 0
        while time.monotonic() < deadline - 3:
            time.sleep(min(5, BURST_SECONDS / 3))
            k += 1
            with app.app_context():
                committed_before = _count(url, "Ticket")
                if url.startswith("sqlite"):
                    result = backup_sqlite(str(tmp_path / f"backup-{k}.db"))
                else:
                    result = backup_postgres(str(tmp_path / f"backup-{k}.dump"))
                    result.update(_check_dump(result["path"]))
            backups.append((committed_before, result))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(BURST_CLIENTS)]
    backup_thread = threading.Thread(target=backup_loop)
    started = time.monotonic()
    for t in threads:
        t.start()
    backup_thread.start()
    for t in threads:
        t.join()
    backup_thread.join()
    elapsed = time.monotonic() - started
    stored = _count(url, "Ticket")
    log = gunicorn["log"].read_text()
    print(f"\nburst on {url.split(':')[0]}: {BURST_CLIENTS} clients, {elapsed:.1f} s, {stats['ok']} tickets "
          f"({stats['ok'] / elapsed:.1f}/s), p50 {percentile(stats['latencies'], 50) * 1000:.0f} ms, "
          f"p95 {percentile(stats['latencies'], 95) * 1000:.0f} ms, statuses {stats['statuses']}, "
          f"stored {stored}, backups {[(b, r['tickets']) for b, r in backups]}")
    assert stats["ok"] > 0
    assert stats["errors"] == 0 and stats["other"] == 0, stats["statuses"]
    assert stored == stats["ok"] == len(stats["numbers"]), "lost or duplicated submissions"
    assert "database is locked" not in log and "Traceback" not in log
    for committed_before, result in backups:
        assert result["integrity"] == "ok" and result["tickets"] >= committed_before


def _check_dump(path):
    """pg_restore reads the whole dump back; count the ticket rows it holds."""
    listing = subprocess.run(["pg_restore", "--list", path], capture_output=True, text=True, check=True)
    data = subprocess.run(["pg_restore", "--data-only", "--table=ticket", "--file=-", path],
                          capture_output=True, text=True, check=True).stdout
    rows = data.split("FROM stdin;\n", 1)[1].split("\n\\.", 1)[0].splitlines() if "FROM stdin;" in data else []
    return {"integrity": "ok" if "TABLE DATA public ticket" in listing.stdout else "incomplete",
            "tickets": len(rows)}


def test_double_submission_makes_exactly_one_ticket_per_form(gunicorn):
    """50 clients each send the same form 5 times at once: exactly 50 tickets, each client sees one number."""
    base, url = gunicorn["base"], gunicorn["url"]
    category = _category(url)
    numbers, errors = [], []
    lock = threading.Lock()

    def one_client(n):
        browser = Browser(base)
        _, html, _ = browser.get("/submit")
        form = submit_form(category, n, html)
        barrier = threading.Barrier(5)
        seen = []

        def send():
            b = Browser(base)
            b.cookies = dict(browser.cookies)
            barrier.wait()
            status, body, _ = b.post("/submit", form)
            match = NUMBER_RE.search(body)
            with lock:
                if status != 200 or not match:
                    errors.append(status)
                else:
                    seen.append(match.group(1))
            b.close()

        senders = [threading.Thread(target=send) for _ in range(5)]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        with lock:
            numbers.append(set(seen))

    clients = [threading.Thread(target=one_client, args=(n,)) for n in range(50)]
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    stored = _count(url, "Ticket")
    print(f"\ndouble submission: 250 posts of 50 forms -> {stored} tickets, errors {errors}")
    assert errors == [] and stored == 50
    assert all(len(s) == 1 for s in numbers) and len(set().union(*numbers)) == 50


def test_two_secretaries_saving_the_same_version(gunicorn):
    """100 rounds of two concurrent saves of one ticket version: one wins, one is told, nothing is lost."""
    base, url = gunicorn["base"], gunicorn["url"]
    app = app_for(url)
    with app.test_request_context():
        from app.admin.services import create_user
        from app.extensions import db
        from app.models import Ticket
        from app.tickets.codes import new_submission_key
        from app.tickets.intake import submit_public_ticket
        from app.tickets import services
        a = create_user("sec.a", "甲", "secretary", "password-123")
        create_user("sec.b", "乙", "supervisor", "password-123")
        category = _category(url)
        ids = []
        for n in range(100):
            ticket, _code, _ = submit_public_ticket({
                "enterprise_name": "并发测试企业", "credit_code": "", "contact_name": "王", "mobile": "13800000000",
                "title": f"并发 {n}", "description": "两人同时修改同一诉求", "category_id": category,
                "urgency": "normal"}, [], new_submission_key())
            services.accept_ticket(ticket, a, ticket.version)
            ids.append((ticket.id, ticket.version, ticket.category_id))
        db.engine.dispose()
    clients = {}
    for name in ("sec.a", "sec.b"):
        browser = Browser(base)
        _, html, _ = browser.get("/login")
        status, _, _ = browser.post("/login", {"username": name, "password": "password-123",
                                               "csrf_token": CSRF_RE.search(html).group(1)})
        assert status == 302
        clients[name] = browser
    token = {}
    for name, browser in clients.items():
        _, html, _ = browser.get("/workspace")
        token[name] = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    outcomes = {"won": 0, "conflict": 0, "other": []}
    for ticket_id, version, category_id in ids:
        barrier = threading.Barrier(2)
        results = {}

        def save(name, ticket_id=ticket_id, version=version, category_id=category_id, barrier=barrier,
                 results=results):
            form = {"csrf_token": token[name], "version": str(version), "title": f"{name} 的修改",
                    "description": "两人同时修改同一诉求", "category_id": str(category_id), "urgency": "normal"}
            barrier.wait()
            results[name] = clients[name].post(f"/tickets/{ticket_id}/actions/edit", form)[0]

        threads = [threading.Thread(target=save, args=(n,)) for n in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(results.values())
        if codes == [303, 409]:
            outcomes["won"] += 1
            outcomes["conflict"] += 1
        else:
            outcomes["other"].append(codes)
    with app.app_context():
        from app.extensions import db
        from app.models import Ticket, TicketEvent
        edited = dict(db.session.execute(select(TicketEvent.ticket_id, func.count()).where(
            TicketEvent.kind == "edited").group_by(TicketEvent.ticket_id)).all())
        titles = {t.id: t.title for t in db.session.query(Ticket)}
        db.engine.dispose()
    print(f"\nconcurrent saves: {outcomes['won']} won, {outcomes['conflict']} conflicts, other {outcomes['other']}")
    assert outcomes["other"] == [] and outcomes["won"] == 100
    assert all(edited.get(tid) == 1 for tid, _, _ in ids)
    assert all(titles[tid] in ("sec.a 的修改", "sec.b 的修改") for tid, _, _ in ids)


def _seed_clocks(url, overdue=500, fresh=100):
    """Tickets with running resolution clocks: `overdue` long past due, `fresh` started just now."""
    now = datetime.now(timezone.utc)
    app = app_for(url)
    with app.app_context():
        from app.extensions import db
        from app.models import Category, Enterprise, Ticket, TicketClock, User
        db.session.execute(insert(Category), [{"name": "类别", "description": "", "is_active": True}])
        db.session.execute(insert(User), [
            {"username": "sec", "display_name": "秘书", "password_hash": "x", "role": "secretary", "email": "",
             "mobile": "", "is_active": True, "session_version": 1, "is_director": False},
            {"username": "sup", "display_name": "督办", "password_hash": "x", "role": "supervisor", "email": "",
             "mobile": "", "is_active": True, "session_version": 1, "is_director": True}])
        db.session.execute(insert(Enterprise), [{"name": "企业", "park": "", "industry": "", "contact_name": "",
                                                 "mobile": "", "secretary_id": 1}])
        cat_id = db.session.scalar(select(Category.id))
        ent_id = db.session.scalar(select(Enterprise.id))
        sec_id = db.session.scalar(select(User.id).where(User.username == "sec"))
        rows, clocks = [], []
        for i in range(1, overdue + fresh + 1):
            late = i <= overdue
            started = now - (timedelta(days=40) if late else timedelta(minutes=5))
            rows.append({"number": f"JJ-2026-{i:06d}", "enterprise_id": ent_id, "secretary_id": sec_id,
                         "category_id": cat_id, "channel": "web", "urgency": "normal", "state": "processing",
                         "title": f"诉求{i}", "description": "", "contact_name": "", "contact_mobile": "",
                         "outcome": "", "access_code_hash": "0" * 64, "reopen_count": 0, "created_at": started,
                         "updated_at": started, "version": 1, "sla_level": "ok"})
        db.session.execute(insert(Ticket), rows)
        ids = db.session.scalars(select(Ticket.id).order_by(Ticket.id)).all()
        for n, ticket_id in enumerate(ids, start=1):
            late = n <= overdue
            clocks.append({"ticket_id": ticket_id, "kind": "resolution", "unit": "working_days", "amount": 5,
                           "warning_percent": 75, "supervise_after_wd": 2, "escalate_after_wd": 5,
                           "started_at": now - (timedelta(days=40) if late else timedelta(minutes=5)),
                           "level": "ok", "breached": False,
                           "next_check_at": now - timedelta(minutes=1) if late else now + timedelta(days=2)})
        db.session.execute(insert(TicketClock), clocks)
        db.session.commit()
        db.engine.dispose()
        return ids[:overdue], ids[overdue:]


def _sweep_process(env, pause=None):
    extra = {"SWEEP_BATCH_SIZE": "100", "PYTHONUNBUFFERED": "1"}
    if pause:
        extra["JJ_SWEEP_PAUSE_AFTER_BATCH"] = str(pause)
    return subprocess.Popen([PYTHON, "-m", "flask", "sla", "sweep"], cwd=ROOT, env=dict(env, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _flagging(url):
    app = app_for(url)
    with app.app_context():
        from app.extensions import db
        from app.models import ClockLevelChange, Notification
        changes = db.session.execute(select(ClockLevelChange.ticket_id, ClockLevelChange.level)).all()
        notes = db.session.execute(select(Notification.ticket_id, Notification.kind, Notification.user_id)
                                   .where(Notification.channel == "in_app")).all()
        db.engine.dispose()
    return changes, notes


def test_sweep_killed_mid_run_loses_and_repeats_nothing(live_db):
    url, env = live_db
    late, fresh = _seed_clocks(url)
    first = _sweep_process(env, pause=60)
    line = first.stdout.readline()
    assert "batch committed" in line, line
    first.send_signal(signal.SIGKILL)
    first.wait()
    partial, _ = _flagging(url)
    second = _sweep_process(env)
    output = second.communicate(timeout=300)[0]
    assert second.returncode == 0, output
    changes, notes = _flagging(url)
    levels = {"warning", "overdue", "supervised", "escalated"}
    per_ticket = {}
    for ticket_id, level in changes:
        per_ticket.setdefault(ticket_id, []).append(level)
    print(f"\nsweep crash: first run killed after {len({t for t, _ in partial})} tickets "
          f"({len(partial)} level changes); after restart {len(changes)} level changes, {len(notes)} messages")
    assert 0 < len(partial) < len(changes)
    assert set(per_ticket) == set(late) and all(sorted(v) == sorted(levels) for v in per_ticket.values())
    assert not set(fresh) & set(per_ticket)
    assert len(notes) == len(set(notes))  # never one message twice
    # Each late clock jumped from 正常 to 升级至主任 in one sweep: its history keeps the four levels, but each person
    # gets one message, for the level it stands at now: the secretary (told at warning and overdue) and the
    # director (supervised, escalated), 2 messages a ticket.
    assert len(notes) == len(late) * 2


def test_two_sweepers_at_once_flag_each_level_once(live_db):
    url, env = live_db
    late, fresh = _seed_clocks(url)
    procs = [_sweep_process(env) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    changes, notes = _flagging(url)
    print(f"\ntwo sweepers: {len(changes)} level changes, {len(notes)} messages; outputs {outputs}")
    assert len(changes) == len(set(changes)) == len(late) * 4
    assert len(notes) == len(set(notes)) == len(late) * 2  # one message a person for the level reached (see above)
