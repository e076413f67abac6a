"""The 12345 exchange end to end, over real HTTP both ways: a fake 12345 platform (its own http.server on
127.0.0.1) posts work orders to Jianjian served by a real WSGI server, and receives the push-backs as signed
webhooks on the endpoint marked "12345 平台". Also: how many orders a second are taken idempotently."""
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.enums import Role
from app.extensions import db
from app.models import HotlineOrder, Ticket, User
from tests.test_webhooks import Receiver

PUSH_BACK_TYPES = ["ticket.accepted", "ticket.replied", "ticket.dispatched", "ticket.rejected", "ticket.returned",
                   "ticket.resolved", "ticket.closed"]


def work_order(number, **changes):
    fields = {"order_no": number, "source": "12345", "caller_name": "周女士", "caller_phone": "13912345678",
              "enterprise_name": "苏州测试电子有限公司", "title": "厂房用电增容",
              "matter": "企业新上产线，需要把厂房用电从 800 千伏安增容到 1600 千伏安，供电所答复需排队。",
              "category": "用电用水", "urgency": "普通", "received_at": "2026-11-16T08:30:00+08:00", "limit_days": 5}
    fields.update(changes)
    return fields


class Jianjian:
    """The application behind a real (threaded) WSGI server on a random port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}/api/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def call(self, method, path, token, body=None):
        """(status, parsed JSON) of one API request."""
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture
def jianjian(app):
    server = Jianjian(app)
    yield server
    server.server.shutdown()


@pytest.fixture
def platform():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def exchange_token(app, factory):
    """A token with the 12345 scope, acting as a supervisor, made through the admin page's service."""
    from app.api import tokens
    admin, supervisor = factory.user(Role.ADMIN), factory.user(Role.SUPERVISOR)
    with app.test_request_context():
        _row, raw = tokens.issue(db.session.get(User, admin.id), name="12345 平台", scopes=["read", "exchange_12345"],
                                 user_id=supervisor.id)
    return raw


def _platform_endpoint(app, platform, factory, *, hotline_only=True):
    from app.webhooks.services import create_endpoint
    admin = factory.user(Role.ADMIN)
    with app.test_request_context():
        endpoint, secret = create_endpoint(db.session.get(User, admin.id), name="12345 平台", url=platform.url,
                                           types=PUSH_BACK_TYPES, active=True, hotline_only=hotline_only,
                                           now=app.extensions["jj_clock"].now())
        platform.secret = secret
        return endpoint.id


def test_orders_come_in_once_and_the_platform_hears_back_in_order(app, factory, clock, jianjian, platform,
                                                                   exchange_token):
    from app.supervision.scheduler import run_webhooks
    from app.tickets import services
    factory.category("用电用水")
    _platform_endpoint(app, platform, factory)
    officer = factory.user(Role.OFFICER)
    supervisor = factory.user(Role.SUPERVISOR)

    # A new order: 201 and a case; the same order again: 200, the same case, nothing new; changed: noted.
    status, first = jianjian.call("POST", "/exchange/12345/orders", exchange_token, work_order("GD202611160001"))
    assert status == 201 and first["created"] and first["state"] == "intake" and first["push_backs"] == []
    status, again = jianjian.call("POST", "/exchange/12345/orders", exchange_token, work_order("GD202611160001"))
    assert status == 200 and (again["created"], again["changed"]) == (False, False)
    assert again["ticket_id"] == first["ticket_id"]
    status, changed = jianjian.call("POST", "/exchange/12345/orders", exchange_token,
                                    work_order("GD202611160001", urgency="紧急"))
    assert status == 200 and changed["changed"] and changed["ticket_id"] == first["ticket_id"]
    status, other = jianjian.call("POST", "/exchange/12345/orders", exchange_token, work_order("GD202611160002"))
    assert status == 201
    # A bad order: a JSON error in Chinese, nothing stored.
    status, bad = jianjian.call("POST", "/exchange/12345/orders", exchange_token, {"order_no": "GD-BAD"})
    assert status == 422 and bad["error"]["code"] == "validation_failed"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HotlineOrder)) == 2

    # The centre works the first case, returns the second (退单), and works a web case the platform never sent.
    web_case = factory.ticket()
    with app.test_request_context():
        sup = db.session.get(User, supervisor.id)
        t = db.session.get(Ticket, first["ticket_id"])
        services.accept_ticket(t, sup, t.version)
        t = db.session.get(Ticket, first["ticket_id"])
        services.reply_to_enterprise(t, sup, "已联系供电所，本周内给出增容方案。")
        t = db.session.get(Ticket, first["ticket_id"])
        services.add_note(t, sup, "内部：供电所王科长电话 6xxxx")
        t = db.session.get(Ticket, first["ticket_id"])
        services.dispatch_ticket(t, sup, t.version, officer.department_id, [], "内部意见：请优先办理")
        r = db.session.get(Ticket, other["ticket_id"])
        services.return_to_platform(r, sup, r.version, "属于供电公司职责，请平台改派国网供电公司")
        w = db.session.get(Ticket, web_case.id)
        services.accept_ticket(w, sup, w.version)

    # The platform is down for the first round: nothing is lost, and the next round brings all, in order.
    platform.down = True
    assert run_webhooks(app)["delivered"] == 0
    platform.down = False
    clock.advance(minutes=2)  # past the first back-off (1 minute)
    run_webhooks(app)
    heard = [(m["data"]["hotline"]["order_no"], m["data"]["hotline"]["type"]) for m in platform.received()]
    # Accepted, replied, dispatched for the first order, then the second's 退单: the note and the web case never.
    assert heard == [("GD202611160001", "accepted"), ("GD202611160001", "replied"),
                     ("GD202611160001", "dispatched"), ("GD202611160002", "returned")]
    assert all(valid for _s, _h, _b, valid in platform.requests)
    sent = json.dumps(platform.received(), ensure_ascii=False)
    assert "王科长" not in sent and "内部意见" not in sent
    returned = platform.received()[-1]["data"]["hotline"]
    assert returned["text"].endswith("属于供电公司职责，请平台改派国网供电公司") or "属于供电公司职责" in returned["text"]

    # A platform that missed some reads them back.
    status, read = jianjian.call("GET", "/exchange/12345/orders/12345/GD202611160001", exchange_token)
    assert status == 200 and [p["type"] for p in read["push_backs"]] == ["accepted", "replied", "dispatched"]
    status, missing = jianjian.call("GET", "/exchange/12345/orders/12345/GD-NONE", exchange_token)
    assert status == 404 and missing["error"]["code"] == "not_found"


def test_the_exchange_needs_its_scope(app, factory, jianjian):
    from app.api import tokens
    admin, supervisor = factory.user(Role.ADMIN), factory.user(Role.SUPERVISOR)
    with app.test_request_context():
        _row, reader = tokens.issue(db.session.get(User, admin.id), name="只读", scopes=["read"], user_id=supervisor.id)
    status, answer = jianjian.call("POST", "/exchange/12345/orders", reader, work_order("GD-SCOPE"))
    assert status == 403 and answer["error"]["code"] == "insufficient_scope"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HotlineOrder)) == 0


def test_orders_per_second_taken_idempotently(app, factory, jianjian, exchange_token):
    """Every order sent twice, from four clients at once: exactly one case each. Prints the rate."""
    factory.category("用电用水")
    numbers = [f"GD2026111600{n:03d}" for n in range(120)]
    sends = numbers + numbers  # each twice
    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda n: jianjian.call("POST", "/exchange/12345/orders", exchange_token,
                                                         work_order(n))[0], sends))
    elapsed = time.perf_counter() - started
    print(f"\n12345 orders: {len(sends)} posts ({len(numbers)} orders, each twice) by 4 clients in {elapsed:.1f} s: "
          f"{len(sends) / elapsed:.0f} posts/s, {statuses.count(201)} created, {statuses.count(200)} known")
    # Hand-derived: 120 distinct orders → 120 answers 201 and 120 answers 200; 120 cases, none twice.
    assert (statuses.count(201), statuses.count(200)) == (120, 120)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 120
        assert db.session.scalar(select(func.count(func.distinct(HotlineOrder.ticket_id)))) == 120


def test_an_order_without_its_received_time_sent_again_is_no_change(app, factory, clock, jianjian, exchange_token):
    # received_at left out: the case was received at the first delivery. A redelivery an hour later is the same
    # order (200, not changed, no new event), and the received time stays the first delivery's.
    factory.category("用电用水")
    fields = work_order("GD-NORECV")
    del fields["received_at"]
    status, first = jianjian.call("POST", "/exchange/12345/orders", exchange_token, fields)
    clock.advance(hours=1)
    status, again = jianjian.call("POST", "/exchange/12345/orders", exchange_token, fields)
    assert status == 200 and (again["created"], again["changed"]) == (False, False)
    with app.app_context():
        ticket = db.session.get(Ticket, first["ticket_id"])
        assert len(ticket.events) == 1
        assert db.session.scalar(select(HotlineOrder.received_at)) == clock.now() - timedelta(hours=1)
    # A time far outside any real order is refused in Chinese, not a server error.
    status, bad = jianjian.call("POST", "/exchange/12345/orders", exchange_token,
                                work_order("GD-Y1", received_at="0001-01-01T00:00:00+08:00"))
    assert status == 422 and "2000" in bad["error"]["message"]
