"""Fixtures: one schema per test session (built by the real migrations), an app per test, factories.

Tests run on SQLite by default and on PostgreSQL when TEST_DATABASE_URL points at it (CI does both).
Client-driven tests must not hold an app context open between requests (Flask would share `g`, and with it
the logged-in user, across clients), so factories open their own context and return plain values.
"""
import json
import os
import re
import shutil
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.timesource import FrozenClock
from app.extensions import db
from config import TestConfig, database_url

PASSWORD = "correct-horse-9"
# Monday 16 November 2026, 09:00 in Beijing.
START = datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc)


def _database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Build the schema once with `flask db upgrade` (the real migrations), on a clean database."""
    url = _database_url(tmp_path_factory)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def clock():
    """The injectable clock, frozen at a known Monday morning."""
    return FrozenClock(START)


@pytest.fixture
def app(request, database, clock, tmp_path):
    """A fresh application per test on the shared schema; every row is deleted afterwards.

    CSRF and rate limits are off unless a test asks for them with @pytest.mark.app_config(...).
    """
    settings = dict(SQLALCHEMY_DATABASE_URI=database, UPLOAD_FOLDER=str(tmp_path / "uploads"),
                    WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False, CLOCK=clock)
    marker = request.node.get_closest_marker("app_config")
    if marker:
        settings.update(marker.kwargs)
    app = create_app(TestConfig, **settings)
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            from app.tickets.search import clear
            clear(conn)  # the search documents live outside the models' tables
            from app.audit import create_guard, drop_guard
            drop_guard(conn)  # the audit trail refuses DELETE: lift its guard to empty it, then put it back
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(db.metadata.tables["case_change"].delete())  # noted again by the deletes' triggers
            create_guard(conn)
        from app.projects.services import ensure_reference_data
        ensure_reference_data()  # the stages and procedure types the migration seeds
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app and request context for tests that call service functions directly (no test client)."""
    with app.test_request_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Person:
    """A test account: its id, username and role, enough to log in and to find it again."""

    id: int
    username: str
    role: str
    department_id: int | None = None


@pytest.fixture
def factory(app):
    """Callables that create rows through the real services, each in its own app context."""
    from tests import factories
    return factories.Factory(app)


@pytest.fixture
def login(app):
    """Log a test client in through the real login route."""

    def do(client, person, password=PASSWORD):
        response = client.post("/login", data={"username": person.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


def without_tokens(body) -> str:
    """A page with its CSRF tokens blanked: they carry a timestamp, so two renders a second apart differ."""
    text = body.decode() if isinstance(body, bytes) else body
    return re.sub(r'(csrf_token" (?:type="hidden" )?value="|X-CSRFToken": ")[^"]+', r"\1", text)


def csrf_token_from(html: str) -> str:
    """The CSRF token embedded in a rendered page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


# ---- a real browser (Debian's Chromium through Playwright) ----------------------------------------------

CHROMIUM = os.environ.get("JJ_CHROMIUM", "/usr/bin/chromium")


def _browser_or_skip():
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("JJ_REQUIRE_BROWSER") == "1":
        pytest.fail(f"JJ_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium; CI requires it)")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def staff_login(browser, base, person, password):
    """Log a staff member in through the real login form in a new page."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{base}/login")
    page.fill("#username", person.username)
    page.fill("#password", password)
    page.click("main form button.btn-primary")
    page.wait_for_url("**/workspace")
    return page


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) collecting what it receives: (port, messages)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:  # aiosmtpd checks its own port on start, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


class FakeSmsGateway:
    """A fake SMS gateway speaking app/messaging/sms.py's protocol, on a real HTTP server on 127.0.0.1.

    Every request is recorded (`requests`: its headers and JSON body); the ones it accepted are in `accepted`.
    It answers {"code": 0, "message_id": "SM<n>"}, or, for the next n requests after `fail(n, status)`, that
    HTTP status (503: a passing trouble, retried; 400/422: refused for good); `answer_next(status, body)` sets
    one raw answer. A repeated request_id it already accepted is answered with the first id and not counted
    again, as a real gateway drops a repeat."""

    key = "test-sms-key"

    def __init__(self):
        self.requests, self.accepted, self._script = [], [], []
        self.url = ""

    def fail(self, times: int, status: int = 503):
        """Answer the next `times` requests with HTTP `status`."""
        self._script += [(status, {"code": status, "message": "gateway trouble"})] * times

    def answer_next(self, status: int, body):
        """Answer the next request with `status` and `body` (bytes sent as they are, anything else as JSON)."""
        self._script.append((status, body))

    def texts_to(self, mobile: str) -> list:
        """The texts it accepted for one number, in order."""
        return [r["json"]["content"] for r in self.accepted if r["json"]["mobile"] == mobile]

    def handle(self, headers, body: bytes):
        record = {"headers": dict(headers), "json": json.loads(body)}
        self.requests.append(record)
        if self._script:
            return self._script.pop(0)
        seen = next((i for i, r in enumerate(self.accepted)
                     if r["json"].get("request_id") and r["json"].get("request_id") == record["json"].get("request_id")),
                    None)
        if seen is None:
            self.accepted.append(record)
            seen = len(self.accepted) - 1
        return 200, {"code": 0, "message_id": f"SM{seen + 1}"}


@pytest.fixture
def sms_gateway():
    """A fake SMS gateway on 127.0.0.1 (FakeSmsGateway): point SMS_GATEWAY_URL and SMS_GATEWAY_KEY at it."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    gateway = FakeSmsGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = gateway.handle(self.headers, body)
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_port}/sms/send"
    yield gateway
    server.shutdown()
    server.server_close()
