"""Two defects found by an outside attack run, each kept fixed here.

4. A meeting about the tickets of several companies: what an enterprise reads about it on its tracking page is
   written for its own ticket alone. No other company's name, title, subject or conclusion reaches it.
11. A line break in a one-line field (title, name, subject) is refused with a clear message; a title stored with
   one before still mails (on one line); a message that can never be sent is marked failed once, visibly, and
   never retried, while a passing trouble keeps the back-off.
"""
import socket
from datetime import datetime, timezone
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Enterprise, Meeting, Notification, Ticket, TicketEvent
from tests.factories import valid_credit_code

pytestmark = pytest.mark.security


def snapshot(app):
    """Row counts of every table: "nothing stored" means this does not change."""
    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def enterprise_name(app, enterprise_id):
    with app.app_context():
        return db.session.get(Enterprise, enterprise_id).name


def tracking_page(app, ref):
    client = app.test_client()
    assert client.post("/track", data={"number": ref.number, "code": ref.code}).status_code in (302, 303)
    return client.get(f"/track/{ref.number}").get_data(as_text=True)


# ---- 4. one meeting, two companies ----------------------------------------------------------------------------

A_TITLE = "锐芯电子新厂房消防验收卡在图审"
B_TITLE = "恒达精密用电增容迟迟未批"
A_CONCLUSION = "会议决定：住建局三个工作日内出具锐芯电子消防图审意见。"
B_CONCLUSION = "会议决定：供电公司两周内完成恒达精密增容方案批复。"
SHARED = "会议决定：锐芯电子与恒达精密共用变电站，锐芯电子先行验收。"


@pytest.fixture
def two_companies(app, factory, login, clock):
    """Two enterprises' tickets (A's and B's), convened together from A's ticket with the prefilled subject; the
    clock then stands at the meeting's time (minutes are written only once it has begun)."""
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    a = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer, title=A_TITLE)
    b = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer, title=B_TITLE)
    assert a.enterprise_id != b.enterprise_id
    sec = login(app.test_client(), secretary)
    subject = f"{enterprise_name(app, a.enterprise_id)}{A_TITLE}会办"
    assert subject in sec.get(f"/tickets/{a.id}/convene").get_data(as_text=True)  # what the form offers
    response = sec.post(f"/tickets/{a.id}/convene", data={
        "subject": subject, "starts_at": "2026-11-18T14:30", "place": "锐芯电子新厂房现场",
        "agenda": "锐芯电子消防验收与恒达精密增容", "lead_department_id": str(officer.department_id),
        "ticket_ids": [str(b.id)]})
    assert response.status_code == 303
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    clock.set(datetime(2026, 11, 18, 6, 30, tzinfo=timezone.utc))  # 14:30 Beijing time: the meeting begins
    return {"a": a, "b": b, "sec": sec, "subject": subject, "meeting": f"/meetings/{meeting_id}"}


def test_a_company_reads_nothing_of_another_company_in_a_shared_meeting(app, factory, two_companies):
    a, b, sec, meeting = two_companies["a"], two_companies["b"], two_companies["sec"], two_companies["meeting"]
    assert factory.get_ticket(b.id)["state"] == S.CONVENED.value
    # The secretary writes the internal minutes and a conclusion for each ticket (a shared text, as the old form
    # asked for, is posted too: it must not reach either company).
    response = sec.post(f"{meeting}/minutes", data={
        "minutes_internal": "锐芯电子与恒达精密的问题均涉及园区变电站容量（内部）。", "minutes_public": SHARED,
        f"conclusion_{a.id}": A_CONCLUSION, f"conclusion_{b.id}": B_CONCLUSION})
    assert response.status_code == 303
    assert sec.post(f"{meeting}/plan").status_code == 303
    assert factory.get_ticket(b.id)["state"] == S.PROCESSING.value

    page_b = tracking_page(app, b)
    a_name = enterprise_name(app, a.enterprise_id)
    for leaked in (a_name, "锐芯", A_TITLE, two_companies["subject"], A_CONCLUSION, SHARED, "内部"):
        assert leaked not in page_b, leaked
    assert B_CONCLUSION in page_b and "会办" in page_b
    page_a = tracking_page(app, a)
    for leaked in (enterprise_name(app, b.enterprise_id), "恒达", B_TITLE, B_CONCLUSION, SHARED):
        assert leaked not in page_a, leaked
    assert A_CONCLUSION in page_a
    # Nothing about the other company in anything public on B's ticket, whatever a page shows of it.
    with app.app_context():
        public = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == b.id,
                                                              TicketEvent.is_public.is_(True))).all()
        for event in public:
            for leaked in ("锐芯", two_companies["subject"], A_CONCLUSION, SHARED):
                assert leaked not in event.body and leaked not in event.data, (event.kind, leaked)
    # Staff still read the subject on the ticket, internally.
    staff_page = sec.get(f"/tickets/{b.id}").get_data(as_text=True)
    assert two_companies["subject"] in staff_page


def test_a_shared_meeting_needs_a_conclusion_for_every_ticket(app, factory, two_companies):
    a, b, sec, meeting = two_companies["a"], two_companies["b"], two_companies["sec"], two_companies["meeting"]
    form = sec.get(meeting).get_data(as_text=True)
    assert f'name="conclusion_{a.id}"' in form and f'name="conclusion_{b.id}"' in form
    assert b.number in form and enterprise_name(app, b.enterprise_id) in form
    before = snapshot(app)
    response = sec.post(f"{meeting}/minutes", data={
        "minutes_internal": "内部纪要", "minutes_public": SHARED, f"conclusion_{a.id}": A_CONCLUSION})
    assert response.status_code == 400
    assert f"请填写诉求 {b.number} 的会办结论" in response.get_data(as_text=True)
    assert snapshot(app) == before
    with app.app_context():
        assert db.session.scalar(select(Meeting)).status == "planned"
    assert SHARED not in tracking_page(app, b)


# ---- 11a. one-line fields refuse line breaks ------------------------------------------------------------------

BREAKS = ["第一行\r\n第二行", "第一行\n第二行", "第一行\r第二行", "第一行\u2028第二行"]


def public_form(category, **changes):
    data = {"enterprise_name": "苏州锐芯电子有限公司", "credit_code": valid_credit_code(7), "contact_name": "李经理",
            "mobile": "13912345678", "category_id": str(category), "urgency": "normal",
            "title": "厂区用电增容申请迟迟未批", "description": "新增产线需要增容到 1600kVA，申请提交一个月仍无答复。",
            "submission_key": "k" * 43}
    data.update(changes)
    return data


@pytest.mark.parametrize("field,label", [("title", "诉求标题"), ("enterprise_name", "企业名称"),
                                         ("contact_name", "联系人")])
@pytest.mark.parametrize("value", BREAKS, ids=["crlf", "lf", "cr", "u2028"])
def test_public_form_refuses_line_breaks_in_one_line_fields(app, factory, field, label, value):
    category = factory.category()
    before = snapshot(app)
    response = app.test_client().post("/submit", data=public_form(category, **{field: value}))
    assert response.status_code == 400
    assert f"{label}不能换行，请写成一行。" in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.fixture
def secretary_desk(app, factory, login):
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    triage = factory.ticket(S.TRIAGE, secretary=secretary, lead_officer=officer)
    working = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    return {"client": login(app.test_client(), secretary), "triage": triage, "working": working,
            "officer": officer, "category": factory.category()}


@pytest.mark.parametrize("field,label", [("title", "诉求标题"), ("contact_name", "联系人"),
                                         ("new_enterprise_name", "或新企业名称")])
def test_offline_intake_refuses_line_breaks(app, secretary_desk, field, label):
    s = secretary_desk
    data = {"enterprise_id": str(s["triage"].enterprise_id), "channel": "phone", "contact_name": "赵总",
            "mobile": "13912345678", "category_id": str(s["category"]), "urgency": "normal",
            "title": "电话反映的问题", "description": "企业来电反映用电问题。"}
    if field == "new_enterprise_name":
        data.update(enterprise_id="", new_enterprise_name="新企业")
    data[field] = "第一行\r\n第二行"
    before = snapshot(app)
    response = s["client"].post("/tickets/new", data=data)
    assert response.status_code == 400
    assert f"{label}不能换行，请写成一行。" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_editing_a_title_refuses_line_breaks(app, factory, secretary_desk):
    s, t = secretary_desk, secretary_desk["triage"]
    before = factory.get_ticket(t.id)
    response = s["client"].post(f"/tickets/{t.id}/actions/edit", headers={"HX-Request": "true"}, data={
        "version": before["version"], "title": "新标题\r\nBcc: spy@example.com", "description": "新的描述内容",
        "category_id": str(s["category"]), "urgency": "normal"})
    assert response.status_code == 400 and "标题不能换行，请写成一行。" in response.get_data(as_text=True)
    assert factory.get_ticket(t.id) == before


@pytest.mark.parametrize("field,label", [("subject", "会议主题"), ("place", "会议地点")])
def test_convening_refuses_line_breaks(app, factory, secretary_desk, field, label):
    s, t = secretary_desk, secretary_desk["working"]
    data = {"subject": "用电增容会办", "starts_at": "2026-11-18T14:30", "place": "服务中心三楼会议室",
            "lead_department_id": str(s["officer"].department_id), field: "第一行\n第二行"}
    before = snapshot(app)
    response = s["client"].post(f"/tickets/{t.id}/convene", data=data)
    assert response.status_code == 400
    assert f"{label}不能换行，请写成一行。" in response.get_data(as_text=True)
    assert snapshot(app) == before and factory.get_ticket(t.id)["state"] == S.PROCESSING.value


def test_action_item_title_refuses_line_breaks(app, factory, secretary_desk):
    s = secretary_desk
    ref = factory.ticket(S.CONVENED, secretary=factory.user(Role.SECRETARY), lead_officer=s["officer"])
    supervisor = factory.user(Role.SUPERVISOR)
    from tests.conftest import PASSWORD
    client = app.test_client()
    client.post("/login", data={"username": supervisor.username, "password": PASSWORD})
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    before = snapshot(app)
    response = client.post(f"/meetings/{meeting_id}/items", data={
        "ticket_id": str(ref.id), "title": "出具批复\r\n第二行", "owner_department_id": str(s["officer"].department_id),
        "working_days": "3"})
    assert response.status_code == 400 and "事项内容不能换行，请写成一行。" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_services_refuse_line_breaks_too(ctx, factory):
    """The services check as well, whoever calls them."""
    from app.errors import ValidationFailed
    from app.meetings import services
    from app.models import User
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    actor, ticket = db.session.get(User, secretary.id), db.session.get(Ticket, ref.id)
    for subject, place in (("主题\r\n第二行", "会议室"), ("主题", "会议室\n二楼")):
        with pytest.raises(ValidationFailed, match="不能换行"):
            services.convene_meeting(actor, [ticket], subject=subject, starts_at=ticket.created_at, place=place,
                                     agenda="", lead_department_id=officer.department_id)
    db.session.rollback()
    assert db.session.get(Ticket, ref.id).state == S.PROCESSING.value


# ---- 11b. mail: a legacy title still mails, a hopeless message is given up once ---------------------------------

@pytest.fixture
def smtp_server():
    """A real SMTP server: refuses gone@… for good (550), busy@… for now (451), takes everything else."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Handler(Message):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            if address.startswith("gone@"):
                return "550 5.1.1 mailbox unavailable"
            if address.startswith("busy@"):
                return "451 4.3.0 try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


@pytest.fixture
def mail(app, smtp_server):
    port, received = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="jianjian@zone.gov.cn")
    return received


def subject_of(message):
    return str(make_header(decode_header(message["Subject"])))


def add_note(app, factory, clock, *, title, address="wang@zone.gov.cn"):
    """An email already in the outbox (as one queued before one-line titles were enforced would be)."""
    ref = factory.ticket(S.TRIAGE)
    with app.app_context():
        note = Notification(channel="email", address=address, ticket_id=ref.id, kind="warning", title=title,
                            body="受理时限将于 2026-11-17 09:00 到期，请尽快处理。", created_at=clock.now(),
                            next_attempt_at=clock.now())
        db.session.add(note)
        db.session.commit()
        return note.id


def deliver(app, clock):
    from app.supervision.notify import deliver_pending
    with app.app_context():
        return deliver_pending(clock.now())


def note_row(app, note_id):
    with app.app_context():
        note = db.session.get(Notification, note_id)
        return {"sent_at": note.sent_at, "attempts": note.attempts, "last_error": note.last_error,
                "next_attempt_at": note.next_attempt_at}


def test_a_title_stored_with_a_line_break_still_mails_on_one_line(app, factory, clock, mail):
    note_id = add_note(app, factory, clock, title="【即将到期】JJ-2026-000001 厂房\r\nBcc: spy@example.com")
    result = deliver(app, clock)
    assert result == {"sent": 1, "failed": 0}, note_row(app, note_id)
    assert note_row(app, note_id)["sent_at"] is not None
    assert len(mail) == 1 and mail[0]["Bcc"] is None
    subject = subject_of(mail[0])
    assert "\n" not in subject and "\r" not in subject
    assert subject == "【即将到期】JJ-2026-000001 厂房 Bcc: spy@example.com"


def test_a_legacy_ticket_title_with_a_line_break_reaches_its_secretary(app, factory, clock, mail):
    """Through the real path: the sweep flags the ticket, the outbox mails the secretary."""
    from app.supervision.sweep import sweep
    from app.models import User
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    with app.app_context():
        db.session.get(User, secretary.id).email = "wang@zone.gov.cn"
        db.session.get(Ticket, ref.id).title = "旧标题第一行\n第二行"  # stored before titles were one line
        db.session.commit()
    clock.advance(hours=49)  # Wednesday 10:00: the first-reply deadline (one working day) has passed
    with app.app_context():
        sweep(clock.now())
    assert deliver(app, clock)["failed"] == 0
    subjects = [subject_of(m) for m in mail if m["To"] == "wang@zone.gov.cn"]
    assert any(ref.number in s and "旧标题第一行 第二行" in s for s in subjects), subjects


def _outbox(app, factory, login):
    return login(app.test_client(), factory.user(Role.ADMIN)).get("/admin/outbox").get_data(as_text=True)


def test_a_message_that_cannot_be_built_fails_once_and_is_shown(app, factory, clock, login, mail):
    note_id = add_note(app, factory, clock, title="【即将到期】JJ-2026-000002 标题",
                       address="wang@zone.gov.cn\r\nBcc: spy@example.com")
    assert deliver(app, clock) == {"sent": 0, "failed": 1}
    first = note_row(app, note_id)
    assert first["sent_at"] is None and first["last_error"]
    for hours in (1, 6, 24, 200):  # well past every back-off: still never tried again
        clock.advance(hours=hours)
        result = deliver(app, clock)
        assert (result["sent"], result["failed"]) == (0, 0), hours
    assert note_row(app, note_id) == first and mail == []
    page = _outbox(app, factory, login)
    # The page says it in the admin's language; the raw exception stays in the row (last_error, checked above).
    assert "发送出错；不再重试" in page and "JJ-2026-000002" in page and "ValueError" not in page


def test_a_permanent_smtp_refusal_fails_once_and_a_passing_one_is_retried(app, factory, clock, login, mail):
    gone = add_note(app, factory, clock, title="【已超期】JJ-2026-000003 标题", address="gone@zone.gov.cn")
    busy = add_note(app, factory, clock, title="【已超期】JJ-2026-000004 标题", address="busy@zone.gov.cn")
    assert deliver(app, clock) == {"sent": 0, "failed": 2}
    given_up, waiting = note_row(app, gone), note_row(app, busy)
    assert "550" in given_up["last_error"] and "451" in waiting["last_error"]
    assert waiting["next_attempt_at"] is not None and waiting["attempts"] == 1
    clock.advance(hours=7)  # past the back-off: the 451 is tried again, the 550 is not
    assert deliver(app, clock) == {"sent": 0, "failed": 1}
    assert note_row(app, gone) == given_up
    assert note_row(app, busy)["attempts"] == 2
    page = _outbox(app, factory, login)
    assert "邮件服务器拒收；不再重试" in page and "mailbox unavailable" not in page
    assert "JJ-2026-000004" in page  # the one still being retried is listed too


def test_meeting_events_written_before_the_fix_stay_off_the_other_companys_page(app, two_companies):
    # Before conclusions were per ticket, a shared meeting wrote its subject (naming company A) and the shared
    # conclusion as public events on every ticket, naming the meeting by its subject. Such rows still exist.
    b = two_companies["b"]
    with app.app_context():
        from app.enums import EventKind
        from app.timesource import utcnow
        ticket = db.session.get(Ticket, b.id)
        for kind, body in ((EventKind.CONVENED, f"已召开会办会协调解决：{two_companies['subject']}"),
                           (EventKind.MEETING_HELD, SHARED), (EventKind.PLAN_DECIDED, SHARED)):
            db.session.add(TicketEvent(ticket=ticket, at=utcnow(), actor_name="秘书", kind=kind.value, body=body,
                                       data='{"meeting": "%s"}' % two_companies["subject"], is_public=True))
        db.session.commit()
    page = tracking_page(app, b)
    assert A_TITLE not in page and SHARED not in page and "锐芯电子" not in page
    assert B_TITLE in page  # the page itself is there
    staff = two_companies["sec"].get(f"/tickets/{b.id}/history").get_data(as_text=True)
    assert SHARED in staff  # staff still read the old rows: nothing is deleted


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "1999-12-31T23:00", "9999-12-31T23:59"])
def test_a_meeting_time_far_out_of_range_is_refused_not_a_server_error(app, factory, secretary_desk, when):
    s = secretary_desk
    t = s["working"]
    before = snapshot(app)
    response = s["client"].post(f"/tickets/{t.id}/convene", data={
        "subject": "会办", "starts_at": when, "place": "会议室", "lead_department_id": str(s["officer"].department_id)})
    assert response.status_code == 400 and "会议时间应在 2000 年至今后两年之间" in response.get_data(as_text=True)
    assert snapshot(app) == before
