"""Signed webhooks against a real HTTP receiver (http.server on 127.0.0.1, a random port) that checks every
signature the way README's snippet does and can be taken down: events arrive signed, in the order they happened,
none lost while it is down; back-off, replay, test events, subscriptions, internal notes, the SSRF guard and the
admin pages."""
import hashlib
import hmac
import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from app.enums import EventKind, Role, TicketState as S
from app.extensions import db
from app.models import Ticket, WebhookDelivery, WebhookEndpoint

ALL_TYPES = ["ticket.created", "ticket.accepted", "ticket.rejected", "ticket.replied", "ticket.dispatched",
             "ticket.signed", "ticket.department_returned", "ticket.returned", "ticket.resolved", "ticket.reopened",
             "ticket.closed", "ticket.rated", "ticket.overdue"]


def verify(secret: str, header: str, body: bytes) -> bool:
    """README's verification snippet, written out independently of the application's code."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Receiver:
    """A webhook receiver: answers 200 while up and 500 while down (or for the next `fail_next` requests)."""

    def __init__(self):
        self.requests = []  # every request: (status answered, headers, body bytes, signature valid)
        self.secret = ""
        self.down = False
        self.fail_next = 0
        self.on_request = None  # called while a request is being answered
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                failing = receiver.down or receiver.fail_next > 0
                receiver.fail_next = max(0, receiver.fail_next - 1)
                if receiver.on_request:
                    receiver.on_request()
                valid = verify(receiver.secret, self.headers["X-Jianjian-Signature"], body)
                status = 500 if failing else (200 if valid else 400)
                receiver.requests.append((status, dict(self.headers), body, valid))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self):
        """The bodies answered 200, as parsed JSON, in arrival order."""
        return [json.loads(body) for status, _h, body, _v in self.requests if status == 200]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def make_endpoint(app, receiver, types=ALL_TYPES, name="协同平台", url=None) -> int:
    """Register an endpoint through the service; the receiver learns its secret."""
    from app.models import User
    from app.webhooks.services import create_endpoint
    with app.test_request_context():
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN.value)) or User(id=None)
        endpoint, secret = create_endpoint(admin, name=name, url=url or receiver.url, types=types, active=True,
                                           now=app.extensions["jj_clock"].now())
        receiver.secret = secret
        return endpoint.id


def deliver(app) -> dict:
    """One run of the worker's webhook job at the frozen time."""
    from app.supervision.scheduler import run_webhooks
    return run_webhooks(app)


def deliveries(app, endpoint_id):
    with app.app_context():
        return [(d.event_type, d.status, d.attempts, d.next_attempt_at, d.uid) for d in db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id).order_by(WebhookDelivery.id))]


def test_events_reach_the_receiver_signed_in_order(app, factory, receiver):
    endpoint = make_endpoint(app, receiver)
    ticket = factory.ticket(S.RESOLVED)
    result = deliver(app)
    # The factory drives the case: submitted (created), accepted, dispatched, signed by the department, resolved.
    expected = ["ticket.created", "ticket.accepted", "ticket.dispatched", "ticket.signed", "ticket.resolved"]
    assert result == {"delivered": 5, "failed": 0}
    assert [r["type"] for r in receiver.received()] == expected
    for status, headers, body, valid in receiver.requests:
        assert valid and status == 200
        sent = json.loads(body)
        assert headers["X-Jianjian-Delivery"] == sent["id"] and headers["X-Jianjian-Event"] == sent["type"]
        assert sent["data"]["ticket"]["number"] == ticket.number
        assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", headers["X-Jianjian-Signature"])
        # The timestamp is the moment of the try (the frozen clock), as a receiver's age check expects.
        assert headers["X-Jianjian-Signature"].startswith(f"t={int(app.extensions['jj_clock'].now().timestamp())},")
        # Another secret never verifies.
        assert not verify(receiver.secret + "x", headers["X-Jianjian-Signature"], body)
        assert not verify(receiver.secret, headers["X-Jianjian-Signature"], body.replace(b"ticket", b"tickex"))
    event_ids = [r["event_id"] for r in receiver.received()]
    assert event_ids == sorted(event_ids)
    assert [s for _t, s, *_ in deliveries(app, endpoint)] == ["delivered"] * 5
    assert deliver(app) == {"delivered": 0, "failed": 0}  # nothing goes twice
    assert len(receiver.requests) == 5


def test_a_wrong_secret_fails_verification(app, factory, receiver):
    make_endpoint(app, receiver, types=["ticket.created"])
    receiver.secret = "whsec_not-the-one"
    factory.ticket(S.INTAKE)
    deliver(app)
    # The receiver refused it (400), so it is not delivered and will be retried.
    assert [(s, v) for s, _h, _b, v in receiver.requests] == [(400, False)]


def test_internal_notes_are_never_sent(app, factory, receiver, login):
    secretary = factory.user(Role.SECRETARY)
    ticket = factory.ticket(S.TRIAGE, secretary=secretary)
    make_endpoint(app, receiver)
    client = login(app.test_client(), secretary)
    assert client.post(f"/tickets/{ticket.id}/actions/note", data={"body": "内部意见：先别告诉企业"}).status_code == 303
    assert client.post(f"/tickets/{ticket.id}/actions/reply", data={"body": "材料清单已发您邮箱"}).status_code == 303
    deliver(app)
    assert [r["type"] for r in receiver.received()] == ["ticket.replied"]
    assert receiver.received()[0]["data"]["event"]["text"] == "材料清单已发您邮箱"
    assert receiver.received()[0]["data"]["event"]["first_reply"] is True
    assert client.post(f"/tickets/{ticket.id}/actions/reply", data={"body": "补充说明"}).status_code == 303
    deliver(app)
    assert [r["data"]["event"]["first_reply"] for r in receiver.received()] == [True, False]
    assert all("先别告诉企业".encode() not in body for _s, _h, body, _v in receiver.requests)


def test_dispatch_instructions_stay_internal(app, factory, receiver):
    make_endpoint(app, receiver, types=["ticket.dispatched"])
    factory.ticket(S.PROCESSING)  # dispatched with the instructions "请办理"
    deliver(app)
    [sent] = receiver.received()
    assert sent["data"]["event"]["text"] is None and sent["data"]["event"]["public"] is False


def test_an_endpoint_receives_only_its_types(app, factory, receiver):
    other = Receiver()
    try:
        resolved_only = make_endpoint(app, other, types=["ticket.resolved"], name="只收办结")
        everything = make_endpoint(app, receiver, name="全部")
        factory.ticket(S.RESOLVED)
        deliver(app)
        assert [r["type"] for r in other.received()] == ["ticket.resolved"]
        assert len(receiver.received()) == 5
        assert len(deliveries(app, resolved_only)) == 1 and len(deliveries(app, everything)) == 5
        # Each copy has its own delivery id.
        assert other.received()[0]["id"] != receiver.received()[-1]["id"]
    finally:
        other.server.shutdown()
        other.server.server_close()


def test_an_event_rolled_back_leaves_no_delivery(app, factory, receiver):
    endpoint = make_endpoint(app, receiver)
    ticket = factory.ticket(S.TRIAGE)
    with app.test_request_context():
        from app.journal import record_event
        t = db.session.get(Ticket, ticket.id)
        record_event(t, None, EventKind.REPLIED, at=app.extensions["jj_clock"].now(), body="不会保存", public=True)
        db.session.rollback()
    assert [t for t, *_ in deliveries(app, endpoint)] == ["ticket.created", "ticket.accepted"]


def test_overdue_is_sent_once_when_a_clock_reaches_it(app, factory, receiver, clock):
    factory.ticket(S.INTAKE)  # its acknowledge clock: 24 calendar hours, its only running clock in intake
    make_endpoint(app, receiver, types=["ticket.overdue"])
    clock.advance(hours=25)
    with app.app_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
        sweep(clock.now())  # a second sweep changes nothing
    deliver(app)
    # 25 h past a 24 h clock: it passes warning (75 %) and overdue (100 %) in one sweep; only overdue is a webhook.
    [sent] = receiver.received()
    assert sent["type"] == "ticket.overdue" and sent["data"]["event"]["kind"] == "sla_level"


def test_down_receiver_loses_nothing_and_gets_everything_in_order(app, factory, receiver, clock):
    """While the receiver is down only the head of the queue is tried, backing off 1, 5, 30 minutes, 2 hours;
    every event waits behind it. When it comes back all N arrive, in the order the events happened."""
    n = 200
    endpoint = make_endpoint(app, receiver, types=["ticket.replied"])
    ticket = factory.ticket(S.TRIAGE)
    receiver.down = True
    t0 = clock.now()

    def reply(i):
        with app.test_request_context():
            from app.journal import commit, record_event
            t = db.session.get(Ticket, ticket.id)
            record_event(t, None, EventKind.REPLIED, at=clock.now(), body=f"答复{i}", public=True)
            commit()

    # Rounds while down: the head is tried at t0, t0+1m, t0+6m, t0+36m, t0+2h36m (each pause is the back-off
    # after that many failures: 1 min, 5 min, 30 min, 2 h), and new replies keep arriving between rounds.
    rounds = [timedelta(0), timedelta(minutes=1), timedelta(minutes=6), timedelta(minutes=36),
              timedelta(hours=2, minutes=36)]
    pauses_after = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                    timedelta(hours=6)]
    made = 0
    for k, (at, pause) in enumerate(zip(rounds, pauses_after), start=1):
        clock.set(t0 + at)
        for _ in range(n // len(rounds)):
            reply(made)
            made += 1
        assert deliver(app) == {"delivered": 0, "failed": 1}
        rows = deliveries(app, endpoint)
        assert len(rows) == made and all(status == "pending" for _t, status, *_ in rows)  # nothing lost
        assert rows[0][2] == k and rows[0][3] == t0 + at + pause  # the head: k tries, next one after the pause
        assert all(attempts == 0 for _t, _s, attempts, *_ in rows[1:])  # nothing overtakes it
        assert len(receiver.requests) == k
    assert made == n
    # Between rounds (before the head's next try) a run sends nothing.
    clock.set(t0 + rounds[-1] + timedelta(hours=1))
    assert deliver(app) == {"delivered": 0, "failed": 0}
    receiver.down = False
    back_at = clock.now()
    next_try = t0 + rounds[-1] + pauses_after[-1]
    clock.set(next_try)
    started = time.perf_counter()
    assert deliver(app) == {"delivered": n, "failed": 0}
    elapsed = time.perf_counter() - started
    got = receiver.received()
    assert [r["data"]["event"]["text"] for r in got] == [f"答复{i}" for i in range(n)]
    assert len({r["id"] for r in got}) == n
    assert all(valid for *_x, valid in receiver.requests)
    # The head's failed tries and its success carry one delivery id (a receiver drops the repeats by it).
    head_ids = {h["X-Jianjian-Delivery"] for _s, h, _b, _v in receiver.requests[:6]}
    assert len(head_ids) == 1
    print(f"\nreceiver down for {len(rounds)} tries of the head ({n} events queued); back at "
          f"+{(back_at - t0)}; the head's next scheduled try {(next_try - back_at)} later (its back-off); "
          f"then all {n} delivered in order in {elapsed * 1000:.0f} ms ({elapsed * 1000 / n:.1f} ms each) in one run")


@pytest.mark.app_config(WEBHOOK_MAX_ATTEMPTS=3)
def test_after_the_last_try_a_delivery_fails_and_the_queue_moves_on(app, factory, receiver, clock, login):
    endpoint = make_endpoint(app, receiver, types=["ticket.created", "ticket.accepted"])
    receiver.down = True
    factory.ticket(S.TRIAGE)  # created, then accepted
    t0 = clock.now()
    deliver(app)  # try 1 of "created" fails: next after 1 minute
    clock.set(t0 + timedelta(minutes=1))
    deliver(app)  # try 2 fails: next after 5 minutes
    clock.set(t0 + timedelta(minutes=6))
    deliver(app)  # try 3 is the last (WEBHOOK_MAX_ATTEMPTS=3): failed; "accepted" is tried at once and fails
    rows = deliveries(app, endpoint)
    assert [(t, s, a) for t, s, a, *_ in rows] == [("ticket.created", "failed", 3), ("ticket.accepted", "pending", 1)]
    assert rows[0][3] is None and rows[1][3] == t0 + timedelta(minutes=7)
    # Failed is kept, never deleted; an admin replays it once the receiver is back, with the same delivery id.
    receiver.down = False
    admin = factory.user(Role.ADMIN)
    client = login(app.test_client(), admin)
    with app.app_context():
        failed_id = db.session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.status == "failed"))
    page = client.get(f"/admin/webhooks/{endpoint}")
    assert "失败" in page.get_data(as_text=True) and rows[0][4] in page.get_data(as_text=True)
    response = client.post(f"/admin/webhooks/deliveries/{failed_id}/replay")
    assert response.status_code == 303
    assert [r["id"] for r in receiver.received()] == [rows[0][4]]
    assert [(s, a) for _t, s, a, *_ in deliveries(app, endpoint)][0] == ("delivered", 4)


def test_a_replay_resends_the_same_id_and_body(app, factory, receiver, login, clock):
    endpoint = make_endpoint(app, receiver, types=["ticket.created"])
    factory.ticket(S.INTAKE)
    deliver(app)
    admin = factory.user(Role.ADMIN)
    client = login(app.test_client(), admin)
    clock.advance(minutes=3)
    with app.app_context():
        delivery_id = db.session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint))
    response = client.post(f"/admin/webhooks/deliveries/{delivery_id}/replay", follow_redirects=True)
    assert "重新推送已送达" in response.get_data(as_text=True)
    first, second = receiver.requests
    assert first[2] == second[2] and first[1]["X-Jianjian-Delivery"] == second[1]["X-Jianjian-Delivery"]
    assert first[1]["X-Jianjian-Signature"] != second[1]["X-Jianjian-Signature"]  # signed anew, 3 minutes later
    assert second[3]  # and it verifies


def test_send_test_event_from_the_admin_page(app, factory, receiver, login):
    endpoint = make_endpoint(app, receiver, types=["ticket.created"])
    client = login(app.test_client(), factory.user(Role.ADMIN))
    page = client.post(f"/admin/webhooks/{endpoint}/test", follow_redirects=True).get_data(as_text=True)
    assert "测试事件已送达（HTTP 200" in page
    [sent] = receiver.received()
    assert sent["type"] == "webhook.test" and receiver.requests[0][3]
    receiver.down = True
    page = client.post(f"/admin/webhooks/{endpoint}/test", follow_redirects=True).get_data(as_text=True)
    assert "测试事件未送达：HTTP 500" in page
    # A test event is tried once and never queued: the worker sends nothing more.
    assert deliver(app) == {"delivered": 0, "failed": 0}
    assert len(receiver.requests) == 2


def test_register_an_endpoint_shows_the_secret_once(app, factory, receiver, login):
    client = login(app.test_client(), factory.user(Role.ADMIN))
    response = client.post("/admin/webhooks/new", data={"name": "12345 协同", "url": receiver.url,
                                                         "event_types": ["ticket.created", "ticket.closed"],
                                                         "active": "y"})
    assert response.status_code == 200
    secret = re.search(r'id="secret">(whsec_[A-Za-z0-9_-]+)<', response.get_data(as_text=True)).group(1)
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert endpoint.types == ["ticket.created", "ticket.closed"] and endpoint.secret == secret
    detail = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert secret not in detail and secret not in client.get("/admin/webhooks").get_data(as_text=True)
    # Renewing it shows the new one once; the old one no longer signs.
    renewed = client.post(f"/admin/webhooks/{endpoint.id}/secret").get_data(as_text=True)
    new_secret = re.search(r'id="secret">(whsec_[A-Za-z0-9_-]+)<', renewed).group(1)
    assert new_secret != secret
    receiver.secret = secret
    factory.ticket(S.INTAKE)
    deliver(app)
    assert [v for *_x, v in receiver.requests] == [False]
    _status, headers, body, _valid = receiver.requests[0]
    assert verify(new_secret, headers["X-Jianjian-Signature"], body)


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/hook", "请填写以 http:// 或 https:// 开头的完整地址。"),
    ("example.com/hook", "请填写以 http:// 或 https:// 开头的完整地址。"),
    ("https://user:pw@example.com/hook", "地址中不能包含用户名或密码。"),
    ("http://example.com:99999/", "请填写以 http:// 或 https:// 开头的完整地址。"),
])
def test_a_bad_url_is_refused_and_what_was_typed_stays(app, factory, login, url, message):
    client = login(app.test_client(), factory.user(Role.ADMIN))
    response = client.post("/admin/webhooks/new", data={"name": "坏地址", "url": url,
                                                         "event_types": ["ticket.created"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'value="坏地址"' in page and "checked" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(WebhookEndpoint.id))) == 0


def test_no_type_chosen_is_refused(app, factory, login):
    client = login(app.test_client(), factory.user(Role.ADMIN))
    response = client.post("/admin/webhooks/new", data={"name": "无事件", "url": "https://example.com/h"})
    assert response.status_code == 400 and "请至少选择一种事件。" in response.get_data(as_text=True)


@pytest.mark.app_config(WEBHOOK_ALLOW_PRIVATE=False)
def test_private_addresses_are_refused_in_production(app, factory, login, receiver, monkeypatch):
    client = login(app.test_client(), factory.user(Role.ADMIN))
    for url in ("http://127.0.0.1:8080/h", "http://10.1.2.3/h", "http://localhost/h", "http://[::1]/h",
                "http://169.254.169.254/latest/meta-data"):
        response = client.post("/admin/webhooks/new", data={"name": "内网", "url": url,
                                                             "event_types": ["ticket.created"]})
        assert response.status_code == 400 and "不能向内网或本机地址推送。" in response.get_data(as_text=True), url
    # A name whose DNS answer is an internal address passes the form and is stopped at sending, every time.
    import socket
    real = socket.getaddrinfo

    def dns(host, *args, **kwargs):
        return real("127.0.0.1" if host == "hooks.example.com" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    response = client.post("/admin/webhooks/new", data={
        "name": "经由域名", "event_types": ["ticket.created"], "active": "y",
        "url": receiver.url.replace("127.0.0.1", "hooks.example.com")})
    assert response.status_code == 200
    with app.app_context():
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    factory.ticket(S.INTAKE)
    assert deliver(app) == {"delivered": 0, "failed": 1}
    assert receiver.requests == []
    with app.app_context():
        row = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
        assert "WEBHOOK_ALLOW_PRIVATE" in row.last_error and row.status == "pending"


def test_deliveries_page_is_paginated_newest_first(app, factory, receiver, login):
    endpoint = make_endpoint(app, receiver, types=["ticket.replied"])
    ticket = factory.ticket(S.TRIAGE)
    with app.test_request_context():
        from app.journal import commit, record_event
        for i in range(55):
            record_event(db.session.get(Ticket, ticket.id), None, EventKind.REPLIED,
                         at=app.extensions["jj_clock"].now(), body=f"第{i}条", public=True)
            commit()
    client = login(app.test_client(), factory.user(Role.ADMIN))
    first = client.get(f"/admin/webhooks/{endpoint}").get_data(as_text=True)
    second = client.get(f"/admin/webhooks/{endpoint}?page=2").get_data(as_text=True)
    # 50 a page: the first holds replies 54 … 5, the second 4 … 0.
    assert "第54条" in first and "第5条" in first and "第4条" not in first
    assert "第4条" in second and "第0条" in second and "第5条" not in second
    assert first.index("第54条") < first.index("第53条")


def test_editing_an_endpoint_keeps_its_secret(app, factory, receiver, login):
    endpoint = make_endpoint(app, receiver, types=["ticket.created"])
    client = login(app.test_client(), factory.user(Role.ADMIN))
    response = client.post(f"/admin/webhooks/{endpoint}", data={"name": "改名", "url": receiver.url,
                                                                 "event_types": ["ticket.closed"]})
    assert response.status_code == 303
    with app.app_context():
        row = db.session.get(WebhookEndpoint, endpoint)
        assert (row.name, row.types, row.is_active, row.secret) == ("改名", ["ticket.closed"], False, receiver.secret)
    factory.ticket(S.INTAKE)  # inactive now, and not subscribed to "created" anyway
    assert deliveries(app, endpoint) == []


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.SUPERVISOR, Role.OFFICER])
def test_admin_pages_are_for_admins_only(app, factory, receiver, login, role):
    endpoint = make_endpoint(app, receiver)
    factory.ticket(S.INTAKE)
    with app.app_context():
        delivery_id = db.session.scalar(select(WebhookDelivery.id))
    client = login(app.test_client(), factory.user(role))
    for method, url in [("get", "/admin/webhooks"), ("get", "/admin/webhooks/new"), ("post", "/admin/webhooks/new"),
                        ("get", f"/admin/webhooks/{endpoint}"), ("post", f"/admin/webhooks/{endpoint}"),
                        ("post", f"/admin/webhooks/{endpoint}/secret"), ("post", f"/admin/webhooks/{endpoint}/test"),
                        ("post", f"/admin/webhooks/deliveries/{delivery_id}/replay")]:
        assert getattr(client, method)(url).status_code == 403, url
    assert receiver.requests == []
    anonymous = app.test_client().get("/admin/webhooks")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_backoff_schedule():
    from app.webhooks.delivery import backoff
    # 1 min, 5 min, 30 min, 2 h, 6 h, then 12 h for every later pause.
    assert [backoff(k) for k in range(1, 9)] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                                                 timedelta(hours=2), timedelta(hours=6)] + [timedelta(hours=12)] * 3


def test_a_test_event_that_goes_through_wakes_the_waiting_queue(app, factory, receiver, login, clock):
    endpoint = make_endpoint(app, receiver, types=["ticket.created", "ticket.accepted"])
    receiver.down = True
    factory.ticket(S.TRIAGE)
    t0 = clock.now()
    for minutes in (0, 1, 6, 36):  # four failed tries of the head: its next one is 2 hours after the fourth
        clock.set(t0 + timedelta(minutes=minutes))
        deliver(app)
    assert deliveries(app, endpoint)[0][3] == t0 + timedelta(minutes=36, hours=2)
    receiver.down = False
    clock.set(t0 + timedelta(minutes=40))
    client = login(app.test_client(), factory.user(Role.ADMIN))
    assert "测试事件已送达" in client.post(f"/admin/webhooks/{endpoint}/test", follow_redirects=True).get_data(as_text=True)
    assert deliver(app) == {"delivered": 2, "failed": 0}  # at the next run, not 2 hours later
    assert [r["type"] for r in receiver.received()] == ["webhook.test", "ticket.created", "ticket.accepted"]


def test_no_database_lock_is_held_while_a_receiver_answers(app, factory, receiver, login):
    """SQLite: the worker's jobs and POST requests begin with BEGIN IMMEDIATE (the write lock); a try must end its
    transaction before the network call, or a slow receiver would stop every other writer for up to the timeout.
    While the receiver answers, another connection writes with a 0.3 s busy timeout."""
    import sqlite3
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite's single write lock; PostgreSQL locks rows")
    writes = []

    def write_meanwhile():
        started = time.perf_counter()
        try:
            with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.3) as other:
                other.execute("UPDATE webhook_endpoint SET name = name")
            writes.append(("ok", time.perf_counter() - started))
        except sqlite3.OperationalError as exc:
            writes.append((str(exc), time.perf_counter() - started))

    endpoint = make_endpoint(app, receiver, types=["ticket.created"])
    factory.ticket(S.INTAKE)
    receiver.on_request = write_meanwhile
    deliver(app)  # the worker's job
    client = login(app.test_client(), factory.user(Role.ADMIN))
    client.post(f"/admin/webhooks/{endpoint}/test")  # a POST request
    with app.app_context():
        delivery_id = db.session.scalar(select(WebhookDelivery.id)
                                        .where(WebhookDelivery.event_type == "ticket.created"))
    client.post(f"/admin/webhooks/deliveries/{delivery_id}/replay")
    assert [outcome for outcome, _seconds in writes] == ["ok", "ok", "ok"]


def test_signing_matches_the_readme_snippet_and_refuses_old_timestamps():
    from app.webhooks import signing
    secret, body = "whsec_example", '{"id":"dlv_1","type":"ticket.created"}'
    header = signing.header(secret, 1_800_000_000, body)
    # HMAC-SHA256 of "1800000000.<body>", computed here by hand with the standard library.
    expected = hmac.new(secret.encode(), b"1800000000." + body.encode(), hashlib.sha256).hexdigest()
    assert header == f"t=1800000000,v1={expected}"
    assert verify(secret, header, body.encode())
    assert signing.verify(secret, header, body, now=1_800_000_000 + 300)
    assert not signing.verify(secret, header, body, now=1_800_000_000 + 301)  # older than 5 minutes: a replay
    assert not signing.verify("whsec_other", header, body, now=1_800_000_000)
    assert not signing.verify(secret, "v1=" + expected, body, now=1_800_000_000)


def test_a_worker_dying_after_a_send_resends_with_the_same_id(app, factory, receiver, monkeypatch):
    """At least once: the worker dies after the receiver answered 200 but before the outcome was committed. The
    row is still pending, so the next run sends it again with the same delivery id, and nothing after it is
    skipped or reordered; deduplicating by id gives every event once, in order."""
    from app.webhooks import delivery as sender
    make_endpoint(app, receiver, types=["ticket.created", "ticket.accepted", "ticket.dispatched"])
    factory.ticket(S.PROCESSING)
    real = sender.attempt

    def dies_after_the_second_send(row, now, **kwargs):
        ok = real(row, now, **kwargs)
        if len(receiver.requests) == 2:
            raise KeyboardInterrupt("the worker is killed here")
        return ok

    monkeypatch.setattr(sender, "attempt", dies_after_the_second_send)
    with pytest.raises(KeyboardInterrupt):
        deliver(app)
    monkeypatch.setattr(sender, "attempt", real)
    assert deliver(app) == {"delivered": 2, "failed": 0}  # "accepted" again, then "dispatched"
    ids = [h["X-Jianjian-Delivery"] for _s, h, _b, _v in receiver.requests]
    assert len(ids) == 4 and ids[1] == ids[2]
    unique = list(dict.fromkeys(r["id"] for r in receiver.received()))
    by_id = {r["id"]: r["type"] for r in receiver.received()}
    assert [by_id[i] for i in unique] == ["ticket.created", "ticket.accepted", "ticket.dispatched"]


def test_ipv4_inside_ipv6_is_judged_as_itself():
    # 64:ff9b::a9fe:a9fe is NAT64 for 169.254.169.254 (the cloud metadata address), 2002:c0a8:0101:: is 6to4 for
    # 192.168.1.1, ::ffff:127.0.0.1 is IPv4-mapped loopback: all internal. 64:ff9b::808:808 is 8.8.8.8: public.
    from app.webhooks.transport import is_public
    for internal in ("64:ff9b::a9fe:a9fe", "2002:c0a8:0101::1", "::ffff:127.0.0.1", "10.0.0.1", "fe80::1%eth0"):
        assert not is_public(internal), internal
    assert is_public("64:ff9b::808:808") and is_public("8.8.8.8")


def test_internal_details_never_leave(app, factory, receiver):
    # An internal note's text and details stay inside; a public reply's go out.
    from app.webhooks.payload import event_part
    from app.models import TicketEvent
    internal = TicketEvent(id=1, kind="noted", actor_name="王", is_public=False, body="内部", data='{"reason": "强制办结"}')
    public = TicketEvent(id=2, kind="replied", actor_name="王", is_public=True, body="已答复", data='{"x": 1}')
    assert (event_part(internal)["text"], event_part(internal)["details"]) == (None, {})
    assert (event_part(public)["text"], event_part(public)["details"]) == ("已答复", {"x": 1})


def test_a_receiver_answering_a_byte_at_a_time_cannot_hold_the_queue():
    # The receiver sends its status line, then one byte every 0.3 s for 6 s: each read succeeds within the 1 s
    # per-operation timeout, but the whole try is cut at twice it, 2 s.
    import socket as sock_mod
    from app.webhooks.transport import post
    server = sock_mod.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def trickle():
        conn, _addr = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
        try:
            for _ in range(20):
                time.sleep(0.3)
                conn.sendall(b"x")
        except OSError:
            pass
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Exception):
        post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {}, timeout=1, allow_private=True)
    assert time.monotonic() - started < 3.5
    server.close()
