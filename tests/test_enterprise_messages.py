"""Telling the enterprise: each step of its case queued once with its text, delivered through a fake SMS gateway
(a real HTTP server) and a real SMTP conversation, with retries, refusals, the enterprise's hours (no SMS
21:00–08:00, weekends included), opt-out, admins' wording with a preview, the offline intake's link and the
month's evaluation invitation.

Every expected text below is written out by hand from the default wording in app/messaging/texts.py, the
signature 【企业服务中心】 (config.py) and the link PUBLIC_BASE_URL + /track/<number>."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.enums import EventKind, Role, TicketState as S
from app.extensions import db
from app.messaging.links import LINK_PLACEHOLDER
from app.models import Enterprise, MessageTemplate, Notification, Ticket, TicketClock, TicketEvent, User
from sla.calendar import SHANGHAI

BASE = "https://jj.example.gov.cn"
SIGN = "【企业服务中心】"
MOBILE = "13812345678"  # the factory's contact mobile
SECRETARY = "测试项目秘书"  # the factory's display name for a secretary
pytestmark = pytest.mark.app_config(PUBLIC_BASE_URL=BASE)


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def rows(app, **where):
    """The enterprise's outbox rows, oldest first: dicts of what a test checks."""
    with app.app_context():
        query = select(Notification).where(Notification.enterprise_id.is_not(None))
        for key, value in where.items():
            query = query.where(getattr(Notification, key) == value)
        return [{"id": n.id, "channel": n.channel, "kind": n.kind, "address": n.address, "title": n.title,
                 "body": n.body, "sent_at": n.sent_at, "attempts": n.attempts, "last_error": n.last_error,
                 "next_attempt_at": n.next_attempt_at, "external_id": n.external_id}
                for n in db.session.scalars(query.order_by(Notification.id))]


def deliver(app, clock, when=None):
    from app.supervision.notify import deliver_pending
    if when is not None:
        clock.set(when)
    with app.app_context():
        return deliver_pending(clock.now())


def use_gateway(app, gateway):
    app.config.update(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_KEY=gateway.key)


def link(number):
    """The link as queued: a placeholder; the personal link is made when the message leaves."""
    return LINK_PLACEHOLDER


SENT_LINK = "<personal link>"


def unlinked(text):
    """A sent text with its personal link (/t/ and 43 token characters) written as SENT_LINK."""
    return re.sub(re.escape(BASE) + r"/t/[A-Za-z0-9_-]{43}", SENT_LINK, text)


def people(factory):
    return factory.user(Role.SECRETARY), factory.user(Role.OFFICER)


# ---- each step of a case, queued once, with its text -------------------------------------------------------

def test_each_step_of_a_case_is_queued_once_with_its_text(app, factory, clock):
    from app.meetings import services as meetings
    from app.tickets import services
    secretary, officer = people(factory)
    ref = factory.ticket(S.INTAKE, secretary=secretary, lead_officer=officer)
    assert rows(app) == []  # submitting tells nobody: the receipt is on the screen
    n = ref.number
    with app.test_request_context():
        t = db.session.get(Ticket, ref.id)
        sec = db.session.get(User, secretary.id)
        services.accept_ticket(t, sec, t.version)
        services.reply_to_enterprise(t, sec, "已收到，正在协调住建局。")
        services.reply_to_enterprise(t, sec, "补充：请准备施工图审查合格书。")  # not the first reply: no message
        services.dispatch_ticket(t, sec, t.version, officer.department_id, [], "请办理")  # dispatch: none
        meeting = meetings.convene_meeting(sec, [t], subject="用电增容会办", starts_at=bj(2026, 11, 18, 10),
                                           place="三楼会议室", agenda="", lead_department_id=officer.department_id)
        meeting_id = meeting.id
    clock.set(bj(2026, 11, 18, 11))
    with app.test_request_context():
        from app.models import Meeting
        meeting, sec = db.session.get(Meeting, meeting_id), db.session.get(User, secretary.id)
        meetings.record_minutes(sec, meeting, "内部纪要", "由住建局牵头，12月底前完成接电。")
        meetings.record_minutes(sec, meeting, "内部纪要（改）", "由住建局牵头，12月20日前完成接电。")  # a correction
        meetings.decide_plan(sec, meeting)  # the conclusion was read already: no message
        t = db.session.get(Ticket, ref.id)
        services.resolve_ticket(t, sec, t.version, "已完成接电。")
        services.reopen_ticket(t, sec, t.version, "企业反映电压仍不稳定")
        services.resolve_ticket(t, sec, t.version, "已更换变压器。")
    got = [(r["channel"], r["kind"], r["address"], r["body"]) for r in rows(app)]
    assert got == [
        ("sms", "accepted", MOBILE, f"{SIGN}您的诉求{n}已受理，项目秘书{SECRETARY}将跟进办理。进度：{link(n)}"),
        ("sms", "first_reply", MOBILE, f"{SIGN}您的诉求{n}已有答复，请查看：{link(n)}"),
        ("sms", "meeting_arranged", MOBILE, f"{SIGN}您的诉求{n}已安排11月18日会办协调，进度：{link(n)}"),
        ("sms", "meeting_concluded", MOBILE, f"{SIGN}您的诉求{n}会办已形成结论，请查看：{link(n)}"),
        ("sms", "resolved", MOBILE, f"{SIGN}您的诉求{n}已办结，请确认结果并评价：{link(n)}"),
        ("sms", "reopened", MOBILE, f"{SIGN}您的诉求{n}已重新办理，我们将继续跟进：{link(n)}"),
        ("sms", "resolved", MOBILE, f"{SIGN}您的诉求{n}已办结，请确认结果并评价：{link(n)}"),
    ]
    assert [r["title"] for r in rows(app)][:2] == [f"诉求{n}已受理", f"诉求{n}已有答复"]
    # Keeping it short: the signature is 8 characters; "您的诉求" 4 + the number 14 + "已受理，" 4 + "项目秘书" 4 +
    # "测试项目秘书" 6 + "将跟进办理。" 6 + "进度：" 3 = 41; queued, the link is the placeholder "［个人跟踪链接］" (8):
    # 57. (Sent, it is the personal link: 120 characters, two SMS; see the test of the link below.)
    assert len(got[0][3]) == 57


def test_a_refused_change_tells_nobody(app, factory):
    from app.errors import EditConflict
    from app.tickets import services
    secretary, _officer = people(factory)
    ref = factory.ticket(S.INTAKE, secretary=secretary)
    with app.test_request_context():
        t = db.session.get(Ticket, ref.id)
        with pytest.raises(EditConflict):
            services.accept_ticket(t, db.session.get(User, secretary.id), t.version - 1)  # a stale page
        db.session.rollback()
    assert rows(app) == []


def test_an_approved_extension_of_the_resolution_deadline_is_told_with_its_last_day(app, factory, login):
    secretary, _officer = people(factory)
    supervisor = factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    staff, boss = login(app.test_client(), secretary), login(app.test_client(), supervisor)
    with app.app_context():
        clocks = {c.kind: c.id for c in db.session.scalars(select(TicketClock).where(
            TicketClock.ticket_id == ref.id, TicketClock.stopped_at.is_(None)))}
    from app.models import Extension
    # The department's sign-off clock moves: nothing for the enterprise, it never waits on that one.
    assert staff.post(f"/tickets/{ref.id}/extensions", data={
        "clock_id": clocks["sign_off"], "days": "2", "reason": "部门负责人出差"}).status_code == 303
    with app.app_context():
        ext_id = db.session.scalar(select(Extension.id))
    assert boss.post(f"/extensions/{ext_id}/decide", data={
        "decision": "approve", "due_mode": "days", "due_days": "3"}).status_code in (200, 303)
    with app.app_context():
        assert db.session.get(Extension, ext_id).status == "approved"
    assert [r["kind"] for r in rows(app)] == ["accepted"]
    # The resolution clock moves to the end of Wednesday 30 December 2026: the enterprise reads that day.
    assert staff.post(f"/tickets/{ref.id}/extensions", data={
        "clock_id": clocks["resolution"], "days": "20", "reason": "需第三方检测"}).status_code == 303
    with app.app_context():
        ext_id = db.session.scalar(select(Extension.id).order_by(Extension.id.desc()))
    answer = boss.post(f"/extensions/{ext_id}/decide", data={
        "decision": "approve", "due_mode": "date", "due_on": "2026-12-30"})
    assert answer.status_code in (200, 303), answer.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.get(Extension, ext_id).status == "approved"
    told = rows(app, kind="deadline_changed")
    n = ref.number
    assert [r["body"] for r in told] == [f"{SIGN}您的诉求{n}办结时限延至12月30日，进度：{link(n)}"]


# ---- through the fake gateway: what it received, failures, retries, never twice --------------------------

def accepted_case(app, factory):
    from app.tickets import services
    secretary, _officer = people(factory)
    ref = factory.ticket(S.INTAKE, secretary=secretary)
    with app.test_request_context():
        t = db.session.get(Ticket, ref.id)
        services.accept_ticket(t, db.session.get(User, secretary.id), t.version)
    return ref


def test_the_gateway_receives_the_message_once_with_the_key(app, factory, clock, sms_gateway):
    use_gateway(app, sms_gateway)
    ref = accepted_case(app, factory)
    result = deliver(app, clock)  # Monday 09:00
    assert result == {"sent": 1, "failed": 0}
    [request] = sms_gateway.requests
    assert request["headers"]["Authorization"] == "Bearer test-sms-key"
    assert request["headers"]["Content-Type"].startswith("application/json")
    [row] = rows(app)
    assert {**request["json"], "content": unlinked(request["json"]["content"])} == {
        "mobile": MOBILE, "request_id": f"jj-{row['id']}",
        "content": f"{SIGN}您的诉求{ref.number}已受理，项目秘书{SECRETARY}将跟进办理。进度：{SENT_LINK}"}
    assert row["sent_at"] == clock.now() and row["attempts"] == 1 and row["external_id"] == "SM1"
    for hours in (0, 1, 24, 200):  # never twice
        clock.advance(hours=hours)
        assert deliver(app, clock)["sent"] == 0
    assert len(sms_gateway.requests) == 1


def test_a_passing_failure_is_retried_with_back_off_and_sent_once(app, factory, clock, sms_gateway, login):
    use_gateway(app, sms_gateway)
    ref = accepted_case(app, factory)
    sms_gateway.fail(2, 503)
    assert deliver(app, clock) == {"sent": 0, "failed": 1}
    first = rows(app)[0]
    # One failure: the next try 2 minutes later (2 ** 1), and not before.
    assert first["attempts"] == 1 and first["next_attempt_at"] == clock.now() + timedelta(minutes=2)
    assert "HTTP 503" in first["last_error"] and first["sent_at"] is None
    page = login(app.test_client(), ref.secretary).get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert "通知企业" in page and "失败重试中" in page
    assert deliver(app, clock, clock.now() + timedelta(minutes=1)) == {"sent": 0, "failed": 0}
    assert len(sms_gateway.requests) == 1
    # The second failure: 4 minutes (2 ** 2) after it.
    assert deliver(app, clock, clock.now() + timedelta(minutes=1)) == {"sent": 0, "failed": 1}
    assert rows(app)[0]["next_attempt_at"] == clock.now() + timedelta(minutes=4)
    assert deliver(app, clock, clock.now() + timedelta(minutes=3)) == {"sent": 0, "failed": 0}
    assert deliver(app, clock, clock.now() + timedelta(minutes=1)) == {"sent": 1, "failed": 0}
    assert len(sms_gateway.requests) == 3 and len(sms_gateway.accepted) == 1
    assert {r["json"]["request_id"] for r in sms_gateway.requests} == {f"jj-{first['id']}"}  # one id, every try
    assert [unlinked(t) for t in sms_gateway.texts_to(MOBILE)] == [
        f"{SIGN}您的诉求{ref.number}已受理，项目秘书{SECRETARY}将跟进办理。进度：{SENT_LINK}"]
    assert deliver(app, clock, clock.now() + timedelta(hours=7))["sent"] == 0
    assert len(sms_gateway.requests) == 3
    page = login(app.test_client(), ref.secretary).get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert "已发送" in page and "失败重试中" not in page


def test_a_refused_message_is_given_up_at_once_and_shown(app, factory, clock, sms_gateway, login):
    use_gateway(app, sms_gateway)
    ref = accepted_case(app, factory)
    sms_gateway.answer_next(422, {"code": 40001, "message": "号码无效"})
    assert deliver(app, clock) == {"sent": 0, "failed": 1}
    row = rows(app)[0]
    assert row["attempts"] == 12 and row["next_attempt_at"] is None
    assert "无法发送，不再重试" in row["last_error"] and "HTTP 422" in row["last_error"]
    for hours in (1, 7, 30):
        assert deliver(app, clock, clock.now() + timedelta(hours=hours))["failed"] == 0
    assert len(sms_gateway.requests) == 1
    page = login(app.test_client(), ref.secretary).get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert "已放弃" in page and "号码无效" in page
    outbox = login(app.test_client(), factory.user(Role.ADMIN)).get("/admin/outbox").get_data(as_text=True)
    assert "不再重试" in outbox and MOBILE in outbox


def test_the_http_adapter_reads_each_kind_of_answer(app, sms_gateway):
    from app.messaging.sms import HttpSmsGateway, SmsNotSent, SmsRefused
    gateway = HttpSmsGateway(sms_gateway.url, sms_gateway.key)
    assert gateway.send(MOBILE, "测试", request_id="a") == "SM1"
    sms_gateway.answer_next(200, b"OK")  # accepted, no JSON: it went, with no id
    assert gateway.send(MOBILE, "测试", request_id="b") == ""
    sms_gateway.answer_next(200, {"code": 1001, "message": "余额不足"})  # a 2xx that says not sent
    with pytest.raises(SmsNotSent, match="1001"):
        gateway.send(MOBILE, "测试")
    for status in (400, 410, 413, 422):
        sms_gateway.answer_next(status, {"code": status})
        with pytest.raises(SmsRefused, match=f"HTTP {status}"):
            gateway.send(MOBILE, "测试")
    for status in (401, 403, 404, 408, 429, 500, 502):
        sms_gateway.answer_next(status, {"code": status})
        with pytest.raises(SmsNotSent, match=f"HTTP {status}"):
            gateway.send(MOBILE, "测试")
    with pytest.raises(SmsNotSent):
        HttpSmsGateway("http://127.0.0.1:9/nothing", "k", timeout=2).send(MOBILE, "测试")


def test_without_a_gateway_sms_wait_and_say_so(app, factory, clock, login):
    ref = accepted_case(app, factory)
    assert deliver(app, clock) == {"sent": 0, "failed": 0}
    assert rows(app)[0]["attempts"] == 0 and rows(app)[0]["sent_at"] is None
    page = login(app.test_client(), ref.secretary).get(f"/tickets/{ref.id}").get_data(as_text=True)
    section = page[page.index('id="notify-enterprise"'):]
    assert "待发送" in section and "未配置短信网关" in section and MOBILE in section and "受理" in section
    outbox = login(app.test_client(), factory.user(Role.ADMIN)).get("/admin/outbox").get_data(as_text=True)
    assert "发给企业的短信：1 条" in outbox and "未配置短信网关" in outbox


def test_a_message_too_old_to_be_news_is_given_up_unsent(app, factory, clock, sms_gateway):
    accepted_case(app, factory)  # Monday 09:00, no gateway yet
    use_gateway(app, sms_gateway)
    # Thursday 09:01 is 72 hours and a minute later: past ENTERPRISE_MESSAGE_TTL_HOURS (72).
    assert deliver(app, clock, bj(2026, 11, 19, 9, 1)) == {"sent": 0, "failed": 0, "expired": 1}
    assert sms_gateway.requests == [] and "超过有效期" in rows(app)[0]["last_error"]


# ---- the enterprise's hours --------------------------------------------------------------------------------

def test_a_message_queued_at_22_00_leaves_at_08_00_not_before(app, factory, clock, sms_gateway):
    use_gateway(app, sms_gateway)
    clock.set(bj(2026, 11, 16, 22))
    accepted_case(app, factory)
    assert deliver(app, clock)["sent"] == 0
    assert deliver(app, clock, bj(2026, 11, 17, 0, 30))["sent"] == 0
    assert deliver(app, clock, bj(2026, 11, 17, 7, 59))["sent"] == 0
    assert sms_gateway.requests == []
    assert deliver(app, clock, bj(2026, 11, 17, 8, 0))["sent"] == 1
    assert len(sms_gateway.accepted) == 1
    assert rows(app)[0]["sent_at"] == bj(2026, 11, 17, 8, 0)


def test_on_a_saturday_the_enterprise_hears_while_staff_email_waits_for_monday(app, factory, clock, sms_gateway,
                                                                              smtp_server):
    port, mails = smtp_server
    use_gateway(app, sms_gateway)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="jianjian@zone.gov.cn")
    clock.set(bj(2026, 11, 21, 10))  # Saturday 21 November, 10:00
    ref = accepted_case(app, factory)
    with app.test_request_context():
        from app.supervision import notify
        staff = db.session.get(User, ref.secretary.id)
        staff.email = "wang@zone.gov.cn"
        notify.queue([staff], kind="urge", title="【催办】测试", body="请加快办理", now=clock.now())
        db.session.commit()
    result = deliver(app, clock)
    assert result["sent"] == 1 and result["waiting"] == "outside working hours"
    assert len(sms_gateway.accepted) == 1 and mails == []
    assert deliver(app, clock, bj(2026, 11, 23, 9))["sent"] == 1  # Monday 09:00: the staff email
    assert [m["To"] for m in mails] == ["wang@zone.gov.cn"] and len(sms_gateway.requests) == 1


# ---- email over a real SMTP conversation -------------------------------------------------------------------

def submit_with_email(app, client, email):
    form = client.get("/submit").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form).group(1)
    from tests.factories import valid_credit_code
    from app.models import Category
    with app.app_context():
        category = Category(name="用电用水", description="", is_active=True)
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    page = client.post("/submit", data={
        "enterprise_name": "苏州锐芯电子有限公司", "credit_code": valid_credit_code(914), "contact_name": "李经理",
        "mobile": "13900001111", "email": email, "category_id": str(category_id), "urgency": "normal",
        "title": "厂房用电增容", "description": "新产线投产需要增容到 2000 千伏安，供电所答复排期较长。",
        "submission_key": key}).get_data(as_text=True)
    return re.search(r"JJ-\d{4}-\d+", page).group(0)


def test_the_email_goes_through_a_real_smtp_conversation(app, factory, clock, smtp_server, sms_gateway):
    from email.header import decode_header, make_header
    from app.tickets import services
    port, mails = smtp_server
    use_gateway(app, sms_gateway)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="jianjian@zone.gov.cn")
    number = submit_with_email(app, app.test_client(), "li@ruixin.example.com")
    secretary = factory.user(Role.SECRETARY)
    with app.test_request_context():
        t = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert t.contact_email == "li@ruixin.example.com" and t.enterprise.email == "li@ruixin.example.com"
        services.accept_ticket(t, db.session.get(User, secretary.id), t.version)
    assert [(r["channel"], r["address"]) for r in rows(app)] == [("sms", "13900001111"),
                                                                ("email", "li@ruixin.example.com")]
    assert deliver(app, clock) == {"sent": 2, "failed": 0}
    [mail] = mails
    assert mail["To"] == "li@ruixin.example.com" and mail["From"] == "jianjian@zone.gov.cn"
    assert str(make_header(decode_header(mail["Subject"]))) == f"诉求{number}已受理"
    body = mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")
    assert unlinked(body.strip()) == f"您的诉求{number}已受理，项目秘书{SECRETARY}将跟进办理。进度：{SENT_LINK}\n\n企业服务中心"
    assert [unlinked(t) for t in sms_gateway.texts_to("13900001111")] == [
        f"{SIGN}您的诉求{number}已受理，项目秘书{SECRETARY}将跟进办理。进度：{SENT_LINK}"]
    assert deliver(app, clock, clock.now() + timedelta(hours=1))["sent"] == 0 and len(mails) == 1


def test_a_bad_email_on_the_form_is_refused_in_chinese(app):
    client = app.test_client()
    form = client.get("/submit").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form).group(1)
    page = client.post("/submit", data={"email": "li at ruixin", "submission_key": key})
    assert page.status_code == 400 and "电子邮箱格式不正确" in page.get_data(as_text=True)


# ---- opting out of SMS -------------------------------------------------------------------------------------

def test_the_enterprise_opts_out_on_its_tracking_page_and_email_still_goes(app, factory, clock, smtp_server):
    from app.tickets import services
    port, _mails = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    secretary, _officer = people(factory)
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    with app.app_context():
        db.session.get(Ticket, ref.id).contact_email = "boss@example.com"
        db.session.commit()
    company = app.test_client()
    assert company.post("/track", data={"number": ref.number, "code": ref.code}).status_code == 303
    page = company.get(f"/track/{ref.number}").get_data(as_text=True)
    assert "退订短信通知" in page
    assert company.post(f"/track/{ref.number}/sms", data={"choice": "off"}).status_code == 303
    page = company.get(f"/track/{ref.number}").get_data(as_text=True)
    assert "已退订短信通知" in page and "恢复短信通知" in page
    with app.test_request_context():
        assert db.session.get(Enterprise, ref.enterprise_id).sms_opt_out is True
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == EventKind.SMS_PREFERENCE.value))
        assert event.body == "企业退订短信通知。" and not event.is_public and event.ticket_id == ref.id
        t = db.session.get(Ticket, ref.id)
        services.resolve_ticket(t, db.session.get(User, secretary.id), t.version, "已办结")
    assert [(r["channel"], r["kind"]) for r in rows(app)] == [("sms", "accepted"), ("email", "resolved")]
    # Another browser that never unlocked the case cannot touch the setting.
    assert app.test_client().post(f"/track/{ref.number}/sms", data={"choice": "on"}).status_code == 302
    with app.app_context():
        assert db.session.get(Enterprise, ref.enterprise_id).sms_opt_out is True
    assert company.post(f"/track/{ref.number}/sms", data={"choice": "on"}).status_code == 303
    with app.app_context():
        assert db.session.get(Enterprise, ref.enterprise_id).sms_opt_out is False


def test_its_secretary_opts_it_out_on_the_enterprise_page(app, factory, login):
    from app.tickets import services
    secretary, _officer = people(factory)
    other = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    assert login(app.test_client(), other).post(f"/enterprises/{ref.enterprise_id}/sms",
                                                data={"choice": "off"}).status_code == 403
    staff = login(app.test_client(), secretary)
    page = staff.post(f"/enterprises/{ref.enterprise_id}/sms", data={"choice": "off"}, follow_redirects=True)
    assert "已退订短信通知，只发送邮件。" in page.get_data(as_text=True)
    with app.test_request_context():
        t = db.session.get(Ticket, ref.id)
        services.resolve_ticket(t, db.session.get(User, secretary.id), t.version, "已办结")
    assert [r["kind"] for r in rows(app)] == ["accepted"]  # nothing new by SMS, and no email address given
    answer = staff.post(f"/tickets/{ref.id}/send-link", follow_redirects=True).get_data(as_text=True)
    assert "该企业已退订短信通知，未发送" in answer and len(rows(app)) == 1


# ---- admins' wording, with a preview ----------------------------------------------------------------------

def test_admins_preview_and_change_the_wording_and_bad_placeholders_are_refused(app, factory, login):
    from app.tickets import services
    admin = login(app.test_client(), factory.user(Role.ADMIN))
    listing = admin.get("/admin/messages").get_data(as_text=True)
    assert "企业消息模板" in listing and "您的诉求{number}已受理" in listing and "月度评价邀请" in listing
    page = admin.get("/admin/messages/accepted").get_data(as_text=True)
    # The default with the sample values: the signature 8 + "您的诉求" 4 + "JJ-2026-000123" 14 + "已受理，" 4 +
    # "项目秘书" 4 + "王晓明" 3 + "将跟进办理。" 6 + "进度：" 3 + the link "https://example.gov.cn/track/" 29 + 14
    # = 89 characters: more than 70, so parts of 67, two SMS.
    sample = f"{SIGN}您的诉求JJ-2026-000123已受理，项目秘书王晓明将跟进办理。进度：https://example.gov.cn/track/JJ-2026-000123"
    assert sample in page and "89 字，约 2 条短信" in page
    wording = "{number}已受理 {link}"
    preview = admin.post("/admin/messages/accepted", data={"subject": "已受理 {number}", "text": wording, "do": "preview"})
    html = preview.get_data(as_text=True)
    # 8 + 14 + "已受理 " 4 + 43 = 69 characters: one SMS.
    short = f"{SIGN}JJ-2026-000123已受理 https://example.gov.cn/track/JJ-2026-000123"
    assert preview.status_code == 200 and short in html and "69 字，约 1 条短信" in html
    assert factory.count(MessageTemplate) == 0  # a preview saves nothing
    for bad, message in (("您的诉求{numbr}已受理：{link}", "未知的占位符 {numbr}"),
                         ("您的诉求{number}已受理，{date}办理：{link}", "占位符 {date} 不能用于"),
                         ("您的诉求{number已受理：{link}", "花括号不成对"),
                         ("您的诉求{number.__class__}已受理", "未知的占位符 {number.__class__}"),
                         ("诉求{}已受理", "未知的占位符 {}")):
        answer = admin.post("/admin/messages/accepted", data={"subject": "已受理", "text": bad, "do": "save"})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400 and message in html and "可用的占位符" in html, bad
    assert factory.count(MessageTemplate) == 0
    saved = admin.post("/admin/messages/accepted", data={"subject": "已受理 {number}", "text": wording, "do": "save"})
    assert saved.status_code == 303
    secretary, _officer = people(factory)
    ref = factory.ticket(S.INTAKE, secretary=secretary)
    with app.test_request_context():
        t = db.session.get(Ticket, ref.id)
        services.accept_ticket(t, db.session.get(User, secretary.id), t.version)
    n = ref.number
    assert [(r["title"], r["body"]) for r in rows(app)] == [(f"已受理 {n}", f"{SIGN}{n}已受理 {link(n)}")]
    assert admin.post("/admin/messages/accepted", data={"do": "reset"}).status_code == 303
    assert factory.count(MessageTemplate) == 0
    assert "您的诉求{number}已受理" in admin.get("/admin/messages/accepted").get_data(as_text=True)
    assert admin.get("/admin/messages/nothing").status_code == 404


# ---- offline intake: the link by SMS ------------------------------------------------------------------------

def test_a_case_heard_on_the_phone_gets_its_link_by_sms_from_the_secretary(app, factory, clock, login):
    secretary, officer = people(factory)
    enterprise_id = factory.enterprise(secretary)
    category_id = factory.category()
    staff = login(app.test_client(), secretary)
    recorded = staff.post("/tickets/new", data={
        "enterprise_id": str(enterprise_id), "channel": "phone", "contact_name": "赵总", "mobile": "13700002222",
        "category_id": str(category_id), "urgency": "normal", "title": "环评批复进度",
        "description": "电话反映：项目环评报告已提交一个月，尚无批复。"})
    assert recorded.status_code == 200
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.title == "环评批复进度"))
        ticket_id, n = ticket.id, ticket.number
    assert rows(app) == []  # recorded offline: nothing sent until the secretary chooses to
    page = staff.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "短信发送查询链接" in page
    answer = staff.post(f"/tickets/{ticket_id}/send-link", follow_redirects=True).get_data(as_text=True)
    assert "查询链接短信已排队发送。" in answer
    assert [(r["channel"], r["kind"], r["address"], r["body"]) for r in rows(app)] == [
        ("sms", "tracking_link", "13700002222", f"{SIGN}您反映的诉求{n}已登记，查看进度：{link(n)}")]
    with app.app_context():
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == EventKind.LINK_SENT.value))
        assert event.ticket_id == ticket_id and event.body == "已向 13700002222 发送查询链接短信。"
        assert event.actor_id == secretary.id and not event.is_public
    again = staff.post(f"/tickets/{ticket_id}/send-link", follow_redirects=True).get_data(as_text=True)
    assert "5 分钟内已发送过查询链接短信" in again and len(rows(app)) == 1
    clock.advance(minutes=6)
    staff.post(f"/tickets/{ticket_id}/send-link")
    assert len(rows(app)) == 2
    # A department that sees the case does not message its enterprise.
    with app.test_request_context():
        from app.tickets import services
        t = db.session.get(Ticket, ticket_id)
        services.dispatch_ticket(t, db.session.get(User, secretary.id), t.version, officer.department_id, [], "请办理")
    assert login(app.test_client(), officer).post(f"/tickets/{ticket_id}/send-link").status_code == 403
    assert len(rows(app)) == 2


def test_a_landline_gets_no_sms_and_is_told_so(app, factory, login):
    secretary, _officer = people(factory)
    staff = login(app.test_client(), secretary)
    staff.post("/tickets/new", data={
        "enterprise_id": str(factory.enterprise(secretary)), "channel": "hotline", "contact_name": "钱科长",
        "mobile": "0512-66881234", "category_id": str(factory.category()), "urgency": "normal",
        "title": "12345 转办：道路开挖", "description": "12345 转来：园区道路开挖影响货车进出。"})
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.contact_mobile == "0512-66881234"))
        db.session.get(Enterprise, db.session.get(Ticket, ticket_id).enterprise_id).contact_verified = False
        db.session.commit()
    answer = staff.post(f"/tickets/{ticket_id}/send-link", follow_redirects=True).get_data(as_text=True)
    assert "该诉求没有可以接收短信的手机号码" in answer and rows(app) == []


# ---- the month's evaluation invitation ----------------------------------------------------------------------

def test_the_months_invitation_goes_once_to_the_verified_contact(app, factory, login):
    from app.assessment.evaluation import read_evaluation_token
    from app.assessment.period import Month
    from tests.factories import verified_evaluation_token
    secretary, _officer = people(factory)
    verified = factory.ticket(S.PROCESSING, secretary=secretary)
    unverified = factory.ticket(S.PROCESSING, secretary=secretary)
    with app.test_request_context():
        verified_evaluation_token(verified.enterprise_id, Month(2026, 11))
    boss = login(app.test_client(), factory.user(Role.SUPERVISOR))
    page = boss.post("/assessment/2026-11/invitations/send", follow_redirects=True).get_data(as_text=True)
    assert "已向 1 家企业发送评价邀请" in page and "1 家企业联系人未核实，未发送" in page
    invites = rows(app, kind="evaluation")
    assert [(r["channel"], r["address"], r["title"]) for r in invites] == [("sms", MOBILE, "2026年11月服务评价邀请")]
    prefix = f"{SIGN}请为2026年11月服务贵企业的秘书和部门评分：{BASE}/evaluate/"
    assert invites[0]["body"].startswith(prefix)
    with app.app_context():
        token = invites[0]["body"][len(prefix):]
        assert read_evaluation_token(token) == (verified.enterprise_id, Month(2026, 11), MOBILE)
        assert db.session.get(Enterprise, unverified.enterprise_id).contact_verified is False
    again = boss.post("/assessment/2026-11/invitations/send", follow_redirects=True).get_data(as_text=True)
    assert "已向 0 家企业发送评价邀请" in again and len(rows(app, kind="evaluation")) == 1
    assert boss.post("/assessment/2027-05/invitations/send").status_code == 404  # a month not begun: no such page
    with app.test_request_context():
        from app.assessment.evaluation import send_invitations
        from app.errors import NotAllowed, ValidationFailed
        with pytest.raises(ValidationFailed, match="尚未开始"):
            send_invitations(db.session.scalar(select(User).where(User.role == "supervisor")), Month(2027, 5))
        with pytest.raises(NotAllowed):
            send_invitations(db.session.get(User, secretary.id), Month(2026, 11))
    assert len(rows(app, kind="evaluation")) == 1


def test_the_invitations_page_pages_every_active_enterprise_and_sending_reaches_them_all(app, factory, login,
                                                                                          monkeypatch):
    """At a million cases some 15,000 companies are active in a month: the page used to show (and the button to
    invite) only the first 2,000 by name. Here a page holds 2, so 3 active companies take two pages, and sending
    must still reach both verified contacts, the one on page 2 included."""
    from app.assessment import evaluation
    from app.assessment.period import Month
    from tests.factories import verified_evaluation_token
    monkeypatch.setattr(evaluation, "INVITATIONS_PER_PAGE", 2)
    secretary, _officer = people(factory)
    cases = [factory.ticket(S.PROCESSING, secretary=secretary) for _ in range(3)]
    idle = factory.enterprise(secretary)  # no case, no activity: not invited
    with app.test_request_context():
        for case in cases[1:]:
            verified_evaluation_token(case.enterprise_id, Month(2026, 11))
        names = sorted(db.session.get(Enterprise, c.enterprise_id).name for c in cases)
        idle_name = db.session.get(Enterprise, idle).name
    boss = login(app.test_client(), factory.user(Role.SUPERVISOR))
    first = boss.get("/assessment/2026-11/invitations").get_data(as_text=True)
    second = boss.get("/assessment/2026-11/invitations?page=2").get_data(as_text=True)
    # 3 active companies, 2 of them verified (cases[1] and cases[2]); by name, two on page 1 and one on page 2
    assert "本月共 3 家企业有办理记录，其中 2 家联系人已核实。" in first and "1 / 2" in first
    assert names[0] in first and names[1] in first and names[2] not in first
    assert names[2] in second and names[0] not in second and idle_name not in first + second
    past = boss.get("/assessment/2026-11/invitations?page=9").get_data(as_text=True)
    assert "没有第 9 页：共 2 页，这里显示最后一页。" in past and names[2] in past
    page = boss.post("/assessment/2026-11/invitations/send", follow_redirects=True).get_data(as_text=True)
    # both verified contacts get the month's invitation, wherever they sit in the pages; the unverified one none
    assert "已向 2 家企业发送评价邀请" in page and "1 家企业联系人未核实，未发送" in page
    assert len(rows(app, kind="evaluation")) == 2


def test_a_settled_months_active_companies_are_read_once_and_the_current_months_every_time(app, factory, login,
                                                                                          clock):
    """Events are stamped with the moment they happen, so October's active companies cannot change after October
    (and an hour's margin): its invitations page reads every October event once and keeps the set; November's,
    still running, is read afresh on every view."""
    from sqlalchemy import event as sa_event
    from app.models import DraftSnapshot
    secretary, _officer = people(factory)
    clock.set(bj(2026, 10, 20, 10))
    october = factory.ticket(S.PROCESSING, secretary=secretary)
    clock.set(bj(2026, 11, 16, 9))
    november = factory.ticket(S.PROCESSING, secretary=secretary)
    boss = login(app.test_client(), factory.user(Role.SUPERVISOR))
    with app.app_context():
        names = {t.id: db.session.get(Enterprise, t.enterprise_id).name for t in (october, november)}
        engine = db.engine
    reads = []

    def note(_conn, _cursor, statement, *_args):
        if "ticket_event" in statement:
            reads.append(statement)

    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        first = boss.get("/assessment/2026-10/invitations").get_data(as_text=True)
        events_read_first = len(reads)
        again = boss.get("/assessment/2026-10/invitations").get_data(as_text=True)
        events_read_again = len(reads) - events_read_first
        boss.get("/assessment/2026-11/invitations")
        boss.get("/assessment/2026-11/invitations")
        events_read_november = len(reads) - events_read_first - events_read_again
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)
    # October: the October case's company, not November's (the November case's events are all in November)
    for page in (first, again):
        assert "本月共 1 家企业有办理记录" in page and names[october.id] in page and names[november.id] not in page
    assert events_read_first == 1 and events_read_again == 0 and events_read_november == 2
    with app.app_context():
        kept = set(db.session.scalars(select(DraftSnapshot.key).where(DraftSnapshot.key.like("active-enterprises:%"))))
    assert kept == {"active-enterprises:2026-10"}


# ---- the immediate transactional SMS (for the sign-in code) --------------------------------------------------

def test_a_transactional_sms_goes_at_once_even_at_night_and_is_tried_once(app, clock, sms_gateway):
    from app.supervision.notify import send_sms_now
    use_gateway(app, sms_gateway)
    clock.set(bj(2026, 11, 16, 23, 30))
    with app.app_context():
        note = send_sms_now("13900001111", "您的登录验证码：482913，5 分钟内有效。", kind="sign_in_code", now=clock.now())
        assert note.sent_at == clock.now() and note.external_id == "SM1" and note.immediate
    assert sms_gateway.texts_to("13900001111") == [f"{SIGN}您的登录验证码：482913，5 分钟内有效。"]
    sms_gateway.fail(1, 503)
    with app.app_context():
        note = send_sms_now("13900001111", "您的登录验证码：771204，5 分钟内有效。", kind="sign_in_code", now=clock.now())
        assert note.sent_at is None and note.attempts == 12 and "HTTP 503" in note.last_error
    assert deliver(app, clock, clock.now() + timedelta(hours=9))["sent"] == 0  # a late code is no use: not retried
    assert len(sms_gateway.requests) == 2
    app.config["SMS_GATEWAY_URL"] = ""
    with app.app_context():
        note = send_sms_now("13900001111", "您的登录验证码：100200。", kind="sign_in_code", now=clock.now())
        assert note.sent_at is None and "未配置短信网关" in note.last_error


def test_day_texts_name_the_year_only_when_it_is_not_this_one(app):
    from app.messaging.tell import day_text, last_day_text
    now = bj(2026, 12, 20, 10)
    assert day_text(bj(2026, 12, 31, 9), now) == "12月31日"
    assert day_text(bj(2027, 1, 4, 9), now) == "2027年1月4日"
    # A deadline at the end of 8 January is stored as midnight starting the 9th: its last day is the 8th.
    assert last_day_text(bj(2027, 1, 9, 0, 0), now) == "2027年1月8日"


def test_the_personal_link_is_made_when_the_message_leaves_and_opens_the_case(app, factory, clock, sms_gateway):
    # Queued: the placeholder only (no token is stored). A failed try mints nothing that lasts; the try that
    # leaves carries a fresh /t/ link that opens this case, and the row keeps the placeholder.
    from app.models import Notification, TrackingLink
    from app.tickets.links import LinkSource
    use_gateway(app, sms_gateway)
    ref = accepted_case(app, factory)

    def message_links():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(TrackingLink).where(
                TrackingLink.ticket_id == ref.id, TrackingLink.source == LinkSource.MESSAGE))

    sms_gateway.fail(1, 503)
    assert deliver(app, clock) == {"sent": 0, "failed": 1}
    assert message_links() == 0
    assert deliver(app, clock, clock.now() + timedelta(minutes=2)) == {"sent": 1, "failed": 0}
    assert message_links() == 1
    sent = sms_gateway.texts_to(MOBILE)[-1]
    # 8 (signature) + 41 (the acceptance text, counted above) + the link: "https://" 8 + "jj.example.gov.cn" 17 +
    # "/t/" 3 + the token 43 = 71; 120 characters, two SMS.
    assert len(sent) == 120
    token = re.search(r"/t/([A-Za-z0-9_-]{43})", sent).group(1)
    with app.app_context():
        stored = db.session.scalars(select(Notification.body).where(Notification.ticket_id == ref.id)).all()
    assert stored and all(token not in body and LINK_PLACEHOLDER in body for body in stored)
    page = app.test_client().get(f"/t/{token}")
    assert page.status_code == 200 and ref.number in page.get_data(as_text=True)
    # Both tries carried the same link: had the gateway taken the first without answering, the enterprise's
    # link would still open the case once the retry went.
    tried = [re.search(r"/t/([A-Za-z0-9_-]{43})", r["json"]["content"]).group(1) for r in sms_gateway.requests]
    assert len(tried) == 2 and set(tried) == {token}


def test_no_statement_ever_carries_a_sign_in_code_or_a_link_token(app, factory, clock, sms_gateway):
    # The outbox keeps "******" and the placeholder; the code and the token go to the gateway only, never in
    # any statement sent to the database (not even one rolled back or overwritten before the commit).
    from sqlalchemy import event
    from app.supervision import notify
    use_gateway(app, sms_gateway)
    ref = accepted_case(app, factory)
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cur, statement, params, context, many: seen.append(repr(params))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        deliver(app, clock)
        with app.test_request_context():
            notify.send_sms_now(MOBILE, "您的登录验证码：482913，5 分钟内有效。", kind="signin_code", now=clock.now(),
                                keep="您的登录验证码：******，5 分钟内有效。")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    token = re.search(r"/t/([A-Za-z0-9_-]{43})", sms_gateway.texts_to(MOBILE)[0]).group(1)
    assert "482913" in sms_gateway.texts_to(MOBILE)[-1]
    assert not any("482913" in p or token in p for p in seen)
