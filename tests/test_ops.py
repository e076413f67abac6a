"""Production settings, the health check, security headers, and backups taken while the app runs."""
import secrets
import sqlite3

import pytest

from app import create_app
from app.enums import Role, TicketState as S
from config import BASE_DIR, DEV_SECRET_KEY, Config


def test_production_refuses_the_development_secret_and_debug(database):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY=DEV_SECRET_KEY)
    with pytest.raises(RuntimeError, match="debug"):
        create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY="x" * 40, DEBUG=True)
    with pytest.raises(RuntimeError, match="KIOSK_TOKEN"):
        create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY="x" * 40, KIOSK_TOKEN="hall")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                     SESSION_COOKIE_SECURE=True, TRUSTED_PROXIES=1)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_security_headers_and_cookies(app, factory):
    person = factory.user(Role.SECRETARY)
    client = app.test_client()
    page = client.get("/submit")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in page.get_data(as_text=True)  # no inline script anywhere: CSP would block it
    from tests.conftest import PASSWORD
    login = client.post("/login", data={"username": person.username, "password": PASSWORD})
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/workspace").headers["Cache-Control"] == "no-store"


def test_healthz_is_the_web_hosts_own_and_the_worker_is_reported_apart(app, factory, clock, login):
    client = app.test_client()
    # No worker has ever run: the web host is still healthy (a proxy keeps sending it traffic) ...
    assert client.get("/healthz").status_code == 200 and client.get("/healthz").json == {"database": "ok"}
    # ... while the worker's own check says what is wrong, for monitoring to alert on.
    worker = client.get("/healthz/worker")
    assert worker.status_code == 503 and worker.json["scheduler"] == "never ran"
    admin = login(app.test_client(), factory.user(Role.ADMIN))
    assert "时限后台任务未在运行" in admin.get("/admin/outbox").get_data(as_text=True)
    factory.ticket(S.TRIAGE)
    with app.app_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
    ok = client.get("/healthz/worker")
    assert ok.status_code == 200 and ok.json == {"scheduler": "ok", "scheduler_heartbeat_age_seconds": 0.0}
    assert "时限后台任务未在运行" not in admin.get("/admin/outbox").get_data(as_text=True)
    clock.advance(minutes=10)  # past HEARTBEAT_MAX_AGE_SECONDS (300): the worker stopped
    stale = client.get("/healthz/worker")
    assert stale.status_code == 503 and stale.json["scheduler"] == "stale"
    assert client.get("/healthz").status_code == 200  # the web hosts stay in the pool
    assert "心跳超时" in admin.get("/admin/outbox").get_data(as_text=True)


def test_backup_and_restore(app, factory, tmp_path):
    with app.app_context():
        from app.extensions import db
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        return _backup_on_postgres(app, factory, tmp_path)
    first = factory.ticket(S.INTAKE)
    target = tmp_path / "backups" / "jj.db"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0 and "'integrity': 'ok'" in result.output and "'tickets': 1" in result.output
    second = factory.ticket(S.INTAKE)
    from app.models import Ticket
    assert factory.count(Ticket) == 2
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db
        from app.models import Ticket
        numbers = {t.number for t in db.session.query(Ticket)}
    assert numbers == {first.number} and second.number not in numbers
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["restore", str(broken), "--yes"])
    assert result.exit_code != 0
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _backup_on_postgres(app, factory, tmp_path):
    import subprocess
    ref = factory.ticket(S.INTAKE)
    target = tmp_path / "jj.dump"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public ticket" in listing.stdout
    data = subprocess.run(["pg_restore", "--data-only", "--table=ticket", "--file=-", str(target)],
                          capture_output=True, text=True, check=True)
    assert ref.number in data.stdout


def test_rate_limits_are_shared_by_workers_through_redis(database):
    """Two application processes (here: two app objects) count one address's attempts together in Redis."""
    import uuid

    import redis
    prefix = f"jj-test-{uuid.uuid4().hex}"
    settings = dict(SQLALCHEMY_DATABASE_URI=database, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                    RATELIMIT_KEY_PREFIX=prefix, TRACK_RATE_LIMIT="4 per minute", WTF_CSRF_ENABLED=False)
    first, second = create_app(Config, **settings), create_app(Config, **settings)
    statuses = []
    for app in (first, second, first, second, first, second):
        statuses.append(app.test_client().post("/track", data={"number": "JJ-2026-000001", "code": "X"}).status_code)
    assert statuses == [200, 200, 200, 200, 429, 429]
    client = redis.Redis(host="127.0.0.1", port=6379)
    keys = list(client.scan_iter(f"*{prefix}*"))
    assert keys, "the counters must live in Redis, where every worker on every host sees them"
    # A separate process (another worker) sees the same count and is refused too.
    import subprocess
    import sys
    code = ("from app import create_app; from config import Config; import sys; "
            f"app = create_app(Config, SQLALCHEMY_DATABASE_URI={database!r}, "
            f"RATELIMIT_STORAGE_URI='redis://127.0.0.1:6379/0', RATELIMIT_KEY_PREFIX={prefix!r}, "
            "TRACK_RATE_LIMIT='4 per minute', WTF_CSRF_ENABLED=False); "
            "print(app.test_client().post('/track', data={'number': 'x', 'code': 'y'}).status_code)")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=str(BASE_DIR))
    assert other.stdout.strip().endswith("429")
    for key in keys:
        client.delete(key)
