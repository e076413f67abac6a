"""The 12345 hotline exchange: work orders become cases once, changes are noted, the platform's time limit wins
when it is stricter, 退单 sends a case back, offline intake records the order number and the received time, and
the events the platform must hear about become payloads."""
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app.assessment.period import Month
from app.assessment.report import completion_rates
from app.deadlines.engine import explained_status
from app.display import outside_limit_text
from app.enums import ClockKind, EventKind, Role, TicketState as S
from app.errors import TransitionRefused, ValidationFailed
from app.extensions import db
from app.models import HotlineOrder, Ticket, TicketClock, TicketEvent, User
from app.tickets import services
from app.tickets.exchange import receive_work_order
from app.webhooks.hotline import outbound_events_for
from sla.calendar import SHANGHAI


def bj(*args) -> datetime:
    """A Beijing wall-clock time as aware UTC."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(timezone.utc)


def order(**changes) -> dict:
    fields = {
        "source": "12345", "order_no": "GD20260925000123", "caller_name": "周女士", "caller_phone": "13912345678",
        "enterprise_name": "苏州测试电子有限公司", "credit_code": "", "title": "厂房用电增容",
        "matter": "企业新上产线，需要把厂房用电从 800 千伏安增容到 1600 千伏安，供电所答复需排队。",
        "category": "用电用水", "urgency": "普通", "received_at": "2026-09-25T10:00:00+08:00",
        "attachments": [{"name": "增容申请.pdf", "url": "https://12345.example.gov.cn/files/abc.pdf"}],
    }
    fields.update(changes)
    return fields


@pytest.fixture
def category(factory):
    return factory.category("用电用水")


def _events(ticket_id):
    return db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                              .order_by(TicketEvent.id)).all()


def test_the_same_order_twice_is_one_case_and_no_new_event(ctx, category, clock):
    clock.set(bj(2026, 9, 25, 10, 5))
    ticket, created, changed = receive_work_order(order(), clock.now())
    assert (created, changed) == (True, False)
    assert (ticket.channel, ticket.state, ticket.category_id) == ("hotline", S.INTAKE, category)
    assert ticket.enterprise.name == "苏州测试电子有限公司" and ticket.contact_mobile == "13912345678"
    row = ticket.hotline_order
    assert (row.order_no, row.source, row.caller_name, row.category_text) == \
        ("GD20260925000123", "12345", "周女士", "用电用水")
    assert row.attachment_list == [{"name": "增容申请.pdf", "url": "https://12345.example.gov.cn/files/abc.pdf"}]
    assert '"order_no": "GD20260925000123"' in row.raw  # the order as sent is kept
    events_before = len(_events(ticket.id))
    # The acknowledgement clock runs from the moment the platform sent it (10:00), not from 10:05.
    ack = next(c for c in ticket.clocks if c.kind == ClockKind.ACKNOWLEDGE.value)
    assert ack.started_at == bj(2026, 9, 25, 10, 0)

    clock.advance(minutes=30)
    again, created, changed = receive_work_order(order(), clock.now())
    assert (again.id, created, changed) == (ticket.id, False, False)
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert len(_events(ticket.id)) == events_before


def test_a_changed_order_adds_one_event_naming_the_change(ctx, category, clock):
    clock.set(bj(2026, 9, 25, 10, 5))
    ticket, _c, _ch = receive_work_order(order(), clock.now())
    before = len(_events(ticket.id))
    clock.advance(hours=1)
    new_matter = order()["matter"] + "另：希望 10 月底前完成。"
    same, created, changed = receive_work_order(order(matter=new_matter, limit_days=3), clock.now())
    assert (same.id, created, changed) == (ticket.id, False, True)
    events = _events(ticket.id)
    assert len(events) == before + 1
    event = events[-1]
    assert event.kind == EventKind.HOTLINE_UPDATED.value and event.actor_name == "12345 平台"
    assert "诉求内容" in event.body and "平台办理工作日" in event.body and "GD20260925000123" in event.body
    assert set(event.details) == {"matter", "limit_days"}
    assert event.details["limit_days"] == ["—", "3"]
    assert same.hotline_order.matter == new_matter and same.hotline_order.limit_days == 3
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    # The changed order sent once more is the same content: nothing new.
    receive_work_order(order(matter=new_matter, limit_days=3), clock.now())
    assert len(_events(ticket.id)) == before + 1


def test_twenty_deliveries_of_one_order_at_once_make_one_case(app, factory, clock):
    factory.category("用电用水")
    clock.set(bj(2026, 9, 25, 10, 5))
    barrier = threading.Barrier(20)
    results, errors = [], []

    def deliver():
        with app.app_context():
            try:
                barrier.wait()
                ticket, created, changed = receive_work_order(order(), clock.now())
                results.append((ticket.id, created, changed))
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 20 and len({r[0] for r in results}) == 1
    assert sum(created for _id, created, _ch in results) == 1
    assert not any(changed for _id, _cr, changed in results)
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 1
        assert db.session.scalar(select(func.count(HotlineOrder.id))) == 1
        assert db.session.scalar(select(func.count(TicketEvent.id))) == 1  # the one "received" event


def _accept(ticket_id):
    ticket = db.session.get(Ticket, ticket_id)
    supervisor = User.query.filter_by(role="supervisor").first()
    services.accept_ticket(ticket, supervisor, ticket.version)
    return db.session.get(Ticket, ticket_id)


def _resolution(ticket):
    return next(c for c in ticket.clocks if c.kind == ClockKind.RESOLUTION.value and c.running)


def test_a_stricter_platform_limit_wins_and_the_explanation_says_so(ctx, category, clock, factory):
    factory.user(Role.SUPERVISOR)
    # Received Friday 2026-09-25 10:00 (the Mid-Autumn Festival holiday in 2026, chinesecalendar: 09-25..27 off),
    # platform limit 3 working days, day 0 not counted: Mon 09-28 (1), Tue 09-29 (2), Wed 09-30 (3)
    # -> due 2026-09-30 24:00.
    # Accepted the same day at 10:30; the local policy (default, 5 working days from acceptance): 09-28 (1),
    # 09-29 (2), 09-30 (3), then the National Day holiday 10-01..07, Thu 10-08 (4), Fri 10-09 (5)
    # -> 2026-10-09 24:00. The platform's is earlier, so it wins.
    clock.set(bj(2026, 9, 25, 10, 5))
    ticket, _c, _ch = receive_work_order(order(limit_days=3), clock.now())
    assert ticket.hotline_order.limit_at == bj(2026, 10, 1, 0, 0)
    clock.set(bj(2026, 9, 25, 10, 30))
    ticket = _accept(ticket.id)
    resolution = _resolution(ticket)
    assert resolution.due_at == bj(2026, 10, 1, 0, 0)  # 2026-09-30 24:00
    status = explained_status(resolution, clock.now())
    assert status.limited and status.policy_due_at == bj(2026, 10, 10, 0, 0)  # 2026-10-09 24:00
    assert outside_limit_text(resolution, status) == \
        "12345 平台时限（2026-09-30 24:00）早于本中心时限（2026-10-09 24:00），按平台时限。"


def test_a_looser_platform_limit_keeps_the_local_policy(ctx, category, clock, factory, app, login):
    supervisor = factory.user(Role.SUPERVISOR)
    # Received Fri 2026-09-25 10:00, platform limit 6 working days: 09-28 (1), 09-29 (2), 09-30 (3), holiday
    # 10-01..07, 10-08 (4), 10-09 (5), Sat 10-10 (6: a make-up working day, 调休上班) -> 2026-10-10 24:00.
    # The local policy gives 2026-10-09 24:00 (as above): earlier, so it stays.
    clock.set(bj(2026, 9, 25, 10, 5))
    ticket, _c, _ch = receive_work_order(order(limit_days=6), clock.now())
    assert ticket.hotline_order.limit_at == bj(2026, 10, 11, 0, 0)
    clock.set(bj(2026, 9, 25, 10, 30))
    ticket = _accept(ticket.id)
    resolution = _resolution(ticket)
    assert resolution.due_at == bj(2026, 10, 10, 0, 0)
    status = explained_status(resolution, clock.now())
    assert not status.limited
    assert outside_limit_text(resolution, status) == "12345 平台时限（2026-10-10 24:00）不早于本中心时限，按本中心时限。"
    ticket_id = ticket.id
    db.session.commit()
    # A platform due time sent later (a changed order: due Tue 09-29 17:00) moves the running clock at once,
    # and the ticket page's deadline panel says why.
    clock.set(bj(2026, 9, 25, 11, 0))
    receive_work_order(order(limit_days=6, due_at="2026-09-29T17:00:00+08:00"), clock.now())
    assert _resolution(db.session.get(Ticket, ticket_id)).due_at == bj(2026, 9, 29, 17, 0)
    web = app.test_client()
    login(web, supervisor)
    page = web.get(f"/tickets/{ticket_id}/deadlines").get_data(as_text=True)
    assert "12345 平台时限（2026-09-29 17:00）早于本中心时限（2026-10-09 24:00），按平台时限。" in page
    detail = web.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "GD20260925000123" in detail and "周女士" in detail and "2026-09-29 17:00" in detail


def test_return_to_platform_only_for_12345_cases_early_with_a_reason(ctx, category, clock, factory):
    supervisor_ref = factory.user(Role.SUPERVISOR)
    supervisor = db.session.get(User, supervisor_ref.id)
    clock.set(bj(2026, 9, 25, 10, 5))
    ticket, _c, _ch = receive_work_order(order(), clock.now())
    ticket_id = ticket.id
    with pytest.raises(ValidationFailed) as err:
        services.return_to_platform(ticket, supervisor, ticket.version, "   ")
    assert err.value.message == "请填写退单理由。"
    db.session.rollback()
    assert db.session.get(Ticket, ticket_id).state == S.INTAKE

    # A case from the public form cannot go "back" to 12345.
    web_ref = factory.ticket(S.TRIAGE)
    web_ticket = db.session.get(Ticket, web_ref.id)
    with pytest.raises(TransitionRefused) as err:
        services.return_to_platform(web_ticket, supervisor, web_ticket.version, "不属于本中心")
    assert err.value.message == "只有 12345 转办的诉求可以退回 12345 平台。"
    db.session.rollback()

    # A 12345 case once dispatched (processing) is past the point of return.
    late = factory.ticket(S.PROCESSING)
    late_ticket = db.session.get(Ticket, late.id)
    late_ticket.channel = "hotline"
    with pytest.raises(TransitionRefused):
        services.return_to_platform(late_ticket, supervisor, late_ticket.version, "不属于本中心")
    db.session.rollback()

    clock.advance(hours=2)
    ticket = db.session.get(Ticket, ticket_id)
    services.return_to_platform(ticket, supervisor, ticket.version, "属于供电公司职责，请平台改派国网供电公司")
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.state == S.RETURNED and not ticket.state_enum.is_open and ticket.resolved_at is None
    event = _events(ticket_id)[-1]
    assert (event.kind, event.body) == (EventKind.PLATFORM_RETURNED.value, "属于供电公司职责，请平台改派国网供电公司")
    assert all(not c.running for c in ticket.clocks)


def test_a_returned_case_does_not_count_as_resolved(ctx, category, clock, factory):
    supervisor = db.session.get(User, factory.user(Role.SUPERVISOR).id)
    # Two 12345 orders in September 2026: one accepted and resolved, one accepted and then returned.
    clock.set(bj(2026, 9, 21, 10, 0))
    kept, _c, _ch = receive_work_order(order(order_no="GD-1", received_at="2026-09-21T09:00:00+08:00"), clock.now())
    returned, _c, _ch = receive_work_order(order(order_no="GD-2", received_at="2026-09-21T09:00:00+08:00"),
                                           clock.now())
    kept_id, returned_id = kept.id, returned.id
    clock.set(bj(2026, 9, 21, 11, 0))
    for ticket_id in (kept_id, returned_id):
        _accept(ticket_id)
    clock.set(bj(2026, 9, 22, 15, 0))
    t = db.session.get(Ticket, kept_id)
    services.resolve_ticket(t, supervisor, t.version, "已协调供电所于 9 月 30 日前完成增容。")
    t = db.session.get(Ticket, returned_id)
    services.return_to_platform(t, supervisor, t.version, "不属于本中心职责")
    returned_clock = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == returned_id,
                                                                 TicketClock.kind == ClockKind.RESOLUTION.value))
    assert returned_clock.outcome == "not_needed"
    clock.set(bj(2026, 10, 20, 10, 0))
    rates = completion_rates(Month(2026, 9), clock.now())
    # Received-based: the returned case is not the centre's: counted 1 (the kept one), resolved 1.
    assert rates["received"]["month"] == {"counted": 1, "done": 1, "rate": 100.0}
    # Deadline-based: resolution clocks due in September (the kept one: accepted Mon 09-21, 5 working days ->
    # 09-28 24:00, resolved 09-22: on time); the returned one's clock settles nothing.
    assert rates["deadline"]["month"] == {"counted": 1, "done": 1, "rate": 100.0}


def test_offline_intake_records_the_order_number_and_runs_from_the_received_time(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    category = factory.category("用电用水")
    enterprise = factory.enterprise(secretary)
    web = app.test_client()
    login(web, secretary)
    clock.set(bj(2026, 9, 28, 9, 30))
    data = {"enterprise_id": str(enterprise), "channel": "hotline", "contact_name": "周女士", "mobile": "13912345678",
            "category_id": str(category), "urgency": "normal", "title": "厂房用电增容",
            "description": "12345 转来：厂房用电需要增容。", "hotline_order_no": "GD20260925000999",
            "received_at": "2026-09-25T10:00"}
    response = web.post("/tickets/new", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket.received_at == bj(2026, 9, 25, 10, 0)
        assert ticket.hotline_order.order_no == "GD20260925000999"
        resolution = next(c for c in ticket.clocks if c.kind == ClockKind.RESOLUTION.value)
        # Typed in on Mon 09-28 09:30 but received Fri 09-25 10:00: the deadline runs from then. 5 working days:
        # 09-28 (1), 09-29 (2), 09-30 (3), holiday 10-01..07, 10-08 (4), 10-09 (5) -> 2026-10-09 24:00 (from
        # 09-28 it would have been 10-10 24:00, the make-up Saturday).
        assert resolution.started_at == bj(2026, 9, 25, 10, 0)
        assert resolution.due_at == bj(2026, 10, 10, 0, 0)
        ticket_id = ticket.id
    # The same number again is refused, naming the case, and what was typed stays on the form.
    again = web.post("/tickets/new", data=data)
    body = again.get_data(as_text=True)
    assert again.status_code == 400 and "12345 工单 GD20260925000999 已登记为诉求" in body
    assert "12345 转来：厂房用电需要增容。" in body
    assert factory.count(Ticket) == 1
    # The platform's own delivery of that order later finds the case instead of opening another.
    with app.app_context():
        ticket, created, _changed = receive_work_order(order(order_no="GD20260925000999"), clock.now())
        assert (ticket.id, created) == (ticket_id, False)
    # An order number on another channel, or a received time in the future, is refused by name.
    wrong = web.post("/tickets/new", data=data | {"channel": "visit", "hotline_order_no": "X1", "received_at": ""})
    assert wrong.status_code == 400 and "只有来源渠道为“12345 转办”时才填写工单编号。" in wrong.get_data(as_text=True)
    future = web.post("/tickets/new", data=data | {"channel": "phone", "hotline_order_no": "",
                                                   "received_at": "2026-09-28T10:30"})
    assert future.status_code == 400 and "接收时间不能晚于现在。" in future.get_data(as_text=True)
    assert factory.count(Ticket) == 1


def test_the_ticket_page_offers_the_return_only_on_12345_cases(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    web_case = factory.ticket(S.TRIAGE, secretary=secretary)
    hotline_case = factory.ticket(S.TRIAGE, secretary=secretary)
    with app.app_context():
        db.session.get(Ticket, hotline_case.id).channel = "hotline"
        db.session.commit()
    web = app.test_client()
    login(web, secretary)
    assert "退回 12345 平台" not in web.get(f"/tickets/{web_case.id}").get_data(as_text=True)
    assert "退回 12345 平台" in web.get(f"/tickets/{hotline_case.id}").get_data(as_text=True)
    refused = web.post(f"/tickets/{web_case.id}/actions/platform_return", data={"version": "1", "reason": "x"})
    assert refused.status_code == 403
    with app.app_context():
        version = db.session.get(Ticket, hotline_case.id).version
    missing = web.post(f"/tickets/{hotline_case.id}/actions/platform_return", data={"version": str(version),
                                                                                     "reason": ""})
    assert missing.status_code == 400 and "请填写理由。" in missing.get_data(as_text=True)
    done = web.post(f"/tickets/{hotline_case.id}/actions/platform_return",
                    data={"version": str(version), "reason": "不属于本中心职责"})
    assert done.status_code == 303
    assert factory.get_ticket(hotline_case.id)["state"] == "returned"


def test_outbound_payloads_for_each_event_the_platform_hears_about(ctx, category, clock, factory):
    supervisor = db.session.get(User, factory.user(Role.SUPERVISOR).id)
    officer_ref = factory.user(Role.OFFICER)
    clock.set(bj(2026, 9, 21, 10, 0))
    ticket, _c, _ch = receive_work_order(order(), clock.now())
    ticket_id = ticket.id

    def step(verb, *args):
        t = db.session.get(Ticket, ticket_id)
        clock.advance(minutes=10)
        verb(t, supervisor, *args)
        t = db.session.get(Ticket, ticket_id)
        return t, [outbound_events_for(t, e) for e in t.events]

    received = outbound_events_for(ticket, ticket.events[0])
    assert received is None  # the order came from the platform: nothing to tell it back
    t, payloads = step(lambda t, a: services.accept_ticket(t, a, t.version))
    accepted = payloads[-1]
    assert accepted == {"source": "12345", "order_no": "GD20260925000123", "type": "accepted",
                        "time": "2026-09-21T10:10:00+08:00", "text": "您的诉求已受理，项目秘书将尽快答复。",
                        "ticket": t.number, "event_id": t.events[-1].id}
    t, payloads = step(lambda t, a: services.reply_to_enterprise(t, a, "已联系供电所，本周内给出增容方案。"))
    assert (payloads[-1]["type"], payloads[-1]["text"]) == ("replied", "已联系供电所，本周内给出增容方案。")
    t, payloads = step(lambda t, a: services.add_note(t, a, "内部：供电所王科长电话 6xxxx"))
    assert payloads[-1] is None  # internal notes never leave
    t, payloads = step(lambda t, a: services.dispatch_ticket(t, a, t.version, officer_ref.department_id, [],
                                                             "内部意见：请优先办理"))
    dispatched = [p for p in payloads if p and p["type"] == "dispatched"]
    assert len(dispatched) == 1 and "内部意见" not in dispatched[0]["text"]
    assert dispatched[0]["text"].startswith("已转交") and dispatched[0]["text"].endswith("办理。")
    t, payloads = step(lambda t, a: services.resolve_ticket(t, a, t.version, "已完成增容。"))
    assert (payloads[-1]["type"], payloads[-1]["text"]) == ("resolved", "已完成增容。")
    t, payloads = step(lambda t, a: services.close_ticket(t, a, t.version, ""))
    assert (payloads[-1]["type"], payloads[-1]["text"]) == ("closed", "诉求已办结并关闭。")

    returned, _c, _ch = receive_work_order(order(order_no="GD-RET"), clock.now())
    services.return_to_platform(returned, supervisor, returned.version, "属于供电公司职责")
    returned = db.session.get(Ticket, returned.id)
    payload = outbound_events_for(returned, returned.events[-1])
    assert (payload["type"], payload["order_no"], payload["text"]) == ("returned", "GD-RET", "属于供电公司职责")

    # A case that did not come from 12345 has nothing to push.
    web_ref = factory.ticket(S.TRIAGE)
    web_ticket = db.session.get(Ticket, web_ref.id)
    assert all(outbound_events_for(web_ticket, e) is None for e in web_ticket.events)


@pytest.mark.parametrize("changes, message", [
    ({"order_no": ""}, "请填写工单编号。"),
    ({"matter": ""}, "请填写诉求内容。"),
    ({"urgency": "特别"}, "紧急程度只能是“普通”或“紧急”。"),
    ({"limit_days": "三天"}, "平台办理工作日应为 1 到 365 之间的整数。"),
    ({"received_at": "昨天上午"}, "接收时间格式不正确"),
    ({"attachments": [{"name": "a.pdf", "url": "javascript:alert(1)"}]}, "既没有下载地址"),
])
def test_a_bad_order_is_refused_with_a_message_and_nothing_stored(ctx, category, clock, changes, message):
    with pytest.raises(ValidationFailed) as err:
        receive_work_order(order(**changes), clock.now())
    assert message in err.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_an_order_with_a_credit_code_finds_the_enterprise(ctx, category, clock, factory):
    ent_id = factory.enterprise()
    from app.models import Enterprise
    code = db.session.get(Enterprise, ent_id).credit_code
    ticket, created, _ch = receive_work_order(order(credit_code=code, enterprise_name="别的名字"), clock.now())
    assert created and ticket.enterprise_id == ent_id


def test_a_delivery_that_loses_the_race_answers_with_the_winners_case(ctx, category, clock, monkeypatch):
    # On SQLite writers queue, so 20 threads never truly collide; here the loser's first look is made to miss the
    # winner's row, as on PostgreSQL: its insert hits the unique key, and it re-reads instead of failing.
    from app.tickets import exchange
    first, _c, _ch = receive_work_order(order(), clock.now())
    first_id = first.id
    real, looks = exchange._order, []

    def stale_first_look(source, order_no, lock=False):
        looks.append(order_no)
        return None if len(looks) == 1 else real(source, order_no, lock)

    monkeypatch.setattr(exchange, "_order", stale_first_look)
    ticket, created, changed = receive_work_order(order(), clock.now())
    assert (ticket.id, created, changed) == (first_id, False, False) and len(looks) == 2
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    assert db.session.scalar(select(func.count(TicketEvent.id))) == 1


def test_the_pure_engine_takes_the_earlier_of_policy_and_outside_limit():
    from datetime import date, timedelta

    from sla.calendar import WorkCalendar
    from sla.clocks import ClockInput, Extension, Target, evaluate
    from sla.worktime import Pause
    cal = WorkCalendar()
    start = bj(2026, 9, 28, 9, 0)  # Monday
    # 5 working days from Mon 09-28: 09-29 (1), 09-30 (2), holiday 10-01..07, 10-08 (3), 10-09 (4), Sat 10-10 (5,
    # 调休上班) -> 2026-10-10 24:00. An outside limit of Wed 09-30 17:00 is earlier: due then.
    limited = evaluate(ClockInput(Target("working_days", 5), start, limit_at=bj(2026, 9, 30, 17, 0)), start, cal,
                       explain=True)
    assert limited.due_at == bj(2026, 9, 30, 17, 0) and limited.limited
    assert limited.policy_due_at == bj(2026, 10, 11, 0, 0)
    # A limit after the policy's deadline changes nothing.
    loose = evaluate(ClockInput(Target("working_days", 5), start, limit_at=bj(2026, 10, 12, 17, 0)), start, cal)
    assert loose.due_at == bj(2026, 10, 11, 0, 0) and not loose.limited
    # A hold of Tue 09-29 stops the limited clock too: the working day lost moves the due time to the next
    # working day after the holiday, Thu 10-08 17:00.
    held = ClockInput(Target("working_days", 5), start, limit_at=bj(2026, 9, 30, 17, 0),
                      pauses=[Pause(bj(2026, 9, 29, 0, 0), bj(2026, 9, 30, 0, 0), "等待企业")])
    assert evaluate(held, bj(2026, 9, 30, 0, 0), cal).due_at == bj(2026, 10, 8, 17, 0)
    # An approved extension that set a due time overrides the limit, as it overrides the policy.
    extended = ClockInput(Target("working_days", 5), start, limit_at=bj(2026, 9, 30, 17, 0),
                          extensions=[Extension(0, "会办协调", at=bj(2026, 9, 29, 10, 0), due_on=date(2026, 10, 16))])
    assert evaluate(extended, start + timedelta(hours=1), cal).due_at == bj(2026, 10, 17, 0, 0)
