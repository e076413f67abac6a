"""The enterprise side: submitting, tracking, adding information and rating, without an account."""
import io
import re

import pytest

from app.enums import Role, TicketState as S
from app.models import Attachment, Enterprise, Ticket, TicketEvent
from tests.factories import valid_credit_code

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
KEY = "k" * 43


def form(cat, **changes):
    data = {"enterprise_name": "苏州锐芯电子有限公司", "credit_code": valid_credit_code(7), "contact_name": "李经理",
            "mobile": "13912345678", "category_id": str(cat), "urgency": "normal",
            "title": "厂区用电增容申请迟迟未批", "description": "新增产线需要增容到 1600kVA，申请提交一个月仍无答复。",
            "submission_key": KEY}
    data.update(changes)
    return data


def code_from(html):
    """The access code as a person reads it off the receipt (its groups are separate spans)."""
    cell = re.search(r'id="access-code">(.*?)</dd>', html, re.S).group(1)
    return re.fullmatch(r"[A-Z2-7-]+", re.sub(r"<[^>]+>", "", cell)).group(0)


def number_from(html):
    return re.search(r'id="tracking-number">(JJ-\d{4}-\d{6})<', html).group(1)


@pytest.fixture
def category(factory):
    return factory.category("项目审批")


def test_submit_form_renders_in_chinese_with_a_fresh_key(client, category):
    html = client.get("/submit").get_data(as_text=True)
    assert "提交诉求" in html and "统一社会信用代码" in html and "手机号码" in html
    keys = re.findall(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    assert len(keys) == 1 and len(keys[0]) >= 40
    assert keys[0] not in client.get("/submit").get_data(as_text=True)


def test_submit_creates_one_ticket_with_number_and_one_time_code(client, category, factory, app):
    response = client.post("/submit", data=form(category))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    number, code = number_from(html), code_from(html)
    assert re.fullmatch(r"JJ-2026-\d{6}", number)
    assert len(code.replace("-", "")) == 28  # 140 bits of base32
    with app.app_context():
        ticket = Ticket.query.one()
        assert ticket.number == number and ticket.state == S.INTAKE.value and ticket.channel == "web"
        assert code.replace("-", "") not in ticket.access_code_hash and len(ticket.access_code_hash) == 64
        assert ticket.enterprise.credit_code == valid_credit_code(7)
        assert ticket.due_at is not None
        assert "访问码只显示这一次" in html


def test_the_receipt_shows_the_new_case_without_reading_it_back(client, category, factory, app):
    """Issue 13: a submission writes the case and shows its receipt from what it wrote; reading the case, its
    company, its parts and its link back after the commit cost four statements of every submission."""
    from sqlalchemy import event
    from app.extensions import db
    with app.app_context():
        engine = db.engine
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        html = client.post("/submit", data=form(category)).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    last_write = max(i for i, s in enumerate(seen) if s.startswith(("INSERT", "UPDATE", "DELETE")))
    after = [s for s in seen[last_write + 1:] if s.startswith("SELECT")]
    assert not [s for s in after if re.search(r"FROM (ticket|enterprise|assignment|tracking_link)\b", s)], after
    # ...and the receipt still shows the number, the code and the personal link it wrote
    with app.app_context():
        number = db.session.scalar(db.select(Ticket.number))
    assert number_from(html) == number and code_from(html) and "/t/" in html


def test_resubmitting_the_same_form_creates_nothing_new(client, category, factory):
    first = client.post("/submit", data=form(category)).get_data(as_text=True)
    second = client.post("/submit", data=form(category)).get_data(as_text=True)
    assert factory.count(Ticket) == 1
    assert number_from(first) == number_from(second)
    assert code_from(first) == code_from(second)  # the double-clicker still sees a code that works


def test_a_different_form_makes_a_different_ticket_and_reuses_the_enterprise(client, category, factory):
    client.post("/submit", data=form(category))
    client.post("/submit", data=form(category, submission_key="m" * 43))
    assert factory.count(Ticket) == 2 and factory.count(Enterprise) == 1


def test_wrong_credit_code_check_character_asks_for_confirmation(client, category, factory):
    good = valid_credit_code(3)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post("/submit", data=form(category, credit_code=bad))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未通过校验" in html and 'name="confirm_code"' in html
    assert factory.count(Ticket) == 0
    response = client.post("/submit", data=form(category, credit_code=bad, confirm_code="y"))
    assert response.status_code == 200 and factory.count(Ticket) == 1


@pytest.mark.parametrize("field,value,message", [
    ("mobile", "12345", "11 位手机号码"),
    ("mobile", "2391234567a", "11 位手机号码"),
    ("credit_code", "ABC", "18 位"),
    ("enterprise_name", "", "请填写企业名称"),
    ("title", "", "请填写诉求标题"),
    ("title", "标" * 101, "不能超过 100"),
    ("description", "太短", "10–5000"),
    ("description", "长" * 5001, "10–5000"),
    ("category_id", "999999", "不是有效的选择"),
    ("urgency", "critical", "不是有效的选择"),
    ("description", "正常的描述内容\x00带有空字符", "无效字符"),
    ("submission_key", "", "表单已失效"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(client, category, factory, field, value, message):
    response = client.post("/submit", data=form(category, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert factory.count(Ticket) == 0 and factory.count(Enterprise) == 0


def test_extra_fields_cannot_set_state_or_department(client, category, factory, app):
    dept = factory.department()
    client.post("/submit", data=form(category, status="closed", state="closed", department_id=str(dept),
                                      secretary_id="1", channel="hotline"))
    with app.app_context():
        ticket = Ticket.query.one()
        assert (ticket.state, ticket.channel, ticket.secretary_id, ticket.assignments) == ("intake", "web", None, [])


def test_honeypot_stores_nothing(client, category, factory):
    response = client.post("/submit", data=form(category, homepage="http://spam.example"))
    assert response.status_code == 400 and factory.count(Ticket) == 0


def test_script_and_htmx_attributes_are_stored_verbatim_and_rendered_escaped(client, category, factory, app, login):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)><div hx-post="/logout" hx-trigger="load">'
    client.post("/submit", data=form(category, title=payload[:100], description=payload))
    with app.app_context():
        ticket = Ticket.query.one()
        assert ticket.description == payload
        ticket_id = ticket.id
    html = client.get(f"/track/{ticket.number}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and 'hx-post="/logout"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    staff = app.test_client()
    login(staff, factory.user(Role.SUPERVISOR))
    page = staff.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and '<div hx-post="/logout"' not in page


def test_attachments_are_checked_by_content(client, category, factory, app):
    data = form(category)
    data["attachments"] = [(io.BytesIO(PDF), "营业执照.pdf"), (io.BytesIO(PNG), "现场照片.png")]
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        names = sorted(a.original_name for a in Attachment.query.all())
        assert names == ["现场照片.png", "营业执照.pdf"]


@pytest.mark.parametrize("name,content,message", [
    ("fake.pdf", b"MZ\x90\x00 this is an executable", "内容与扩展名不符"),
    ("page.html", b"<html><script>alert(1)</script></html>", "类型不支持"),
    ("image.svg", b"<svg onload=alert(1)></svg>", "类型不支持"),
    ("empty.pdf", b"", "空文件"),
])
def test_bad_attachments_reject_the_whole_submission(client, category, factory, name, content, message):
    data = form(category)
    data["attachments"] = [(io.BytesIO(PDF), "ok.pdf"), (io.BytesIO(content), name)]
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert factory.count(Ticket) == 0 and factory.count(Attachment) == 0


def test_oversized_attachment_is_refused(client, category, factory, app):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    data = form(category)
    data["attachments"] = [(io.BytesIO(PDF + b"0" * 2048), "big.pdf")]
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "超过" in response.get_data(as_text=True)
    assert factory.count(Ticket) == 0


def _track(client, number, code):
    return client.post("/track", data={"number": number, "code": code})


def test_tracking_with_the_right_code_shows_only_public_entries(app, factory, login):
    ref = factory.ticket(S.PROCESSING)
    staff = app.test_client()
    login(staff, ref.secretary)
    staff.post(f"/tickets/{ref.id}/actions/note", data={"body": "企业负责人态度强硬，注意沟通方式"})
    staff.post(f"/tickets/{ref.id}/actions/reply", data={"body": "已联系供电公司，预计下周答复。"})
    client = app.test_client()
    response = _track(client, ref.number, ref.code.lower().replace("-", " "))
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已联系供电公司" in html and "态度强硬" not in html
    assert "办理中" in html


def test_wrong_number_and_wrong_code_answer_identically(app, factory):
    ref = factory.ticket(S.INTAKE)
    client = app.test_client()
    client.get("/track")
    wrong_code = _track(client, ref.number, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG")
    wrong_number = _track(client, "JJ-2026-999999", ref.code)
    empty_code = _track(client, ref.number, "    ")
    assert wrong_code.status_code == wrong_number.status_code == 200
    from tests.conftest import without_tokens

    def typed_number_blanked(response, number):
        html = without_tokens(response.get_data())
        assert html.count(f'value="{number}"') == 1  # the number comes back as typed, in its field
        return html.replace(f'value="{number}"', 'value=""')

    # Apart from the number the person typed, the two answers are the same page, byte for byte.
    assert typed_number_blanked(wrong_code, ref.number) == typed_number_blanked(wrong_number, "JJ-2026-999999")
    assert ref.code not in wrong_number.get_data(as_text=True)  # a code is never echoed
    assert "跟踪编号或访问码不正确" in wrong_code.get_data(as_text=True)
    assert empty_code.status_code == 200
    assert client.get(f"/track/{ref.number}").location.endswith("/track")  # nothing was unlocked


def test_tracking_page_needs_the_code_first(app, factory):
    ref = factory.ticket(S.INTAKE)
    response = app.test_client().get(f"/track/{ref.number}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/track")


def test_enterprise_adds_information_and_files(app, factory):
    ref = factory.ticket(S.ON_HOLD)
    client = app.test_client()
    _track(client, ref.number, ref.code)
    response = client.post(f"/track/{ref.number}/supplement",
                           data={"body": "已补充立项批复", "attachments": [(io.BytesIO(PDF), "批复.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    snap = factory.get_ticket(ref.id)
    assert snap["state"] == S.PROCESSING.value
    assert snap["attachments"] == [("批复.pdf", True)]
    with app.app_context():
        att = Attachment.query.one()
    download = client.get(f"/track/{ref.number}/files/{att.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_empty_supplement_is_refused(app, factory):
    ref = factory.ticket(S.PROCESSING)
    client = app.test_client()
    _track(client, ref.number, ref.code)
    response = client.post(f"/track/{ref.number}/supplement", data={"body": "  "})
    assert response.status_code == 400 and "请填写补充说明" in response.get_data(as_text=True)
    assert "supplemented" not in factory.get_ticket(ref.id)["events"]


def test_enterprise_rates_and_closes(app, factory):
    ref = factory.ticket(S.RESOLVED)
    client = app.test_client()
    _track(client, ref.number, ref.code)
    html = client.get(f"/track/{ref.number}").get_data(as_text=True)
    assert "非常满意" in html and "部分解决" in html
    client.post(f"/track/{ref.number}/rate", data={"satisfaction": "4", "solved": "solved", "comment": "效率高"})
    snap = factory.get_ticket(ref.id)
    assert snap["state"] == S.CLOSED.value and snap["ratings"] == [("4", "solved")]


def test_unsolved_rating_reopens_for_the_secretary(app, factory):
    ref = factory.ticket(S.RESOLVED)
    client = app.test_client()
    _track(client, ref.number, ref.code)
    client.post(f"/track/{ref.number}/rate", data={"satisfaction": "3", "solved": "unsolved"})
    assert factory.get_ticket(ref.id)["state"] == S.PROCESSING.value


def test_rating_needs_both_answers(app, factory):
    ref = factory.ticket(S.RESOLVED)
    client = app.test_client()
    _track(client, ref.number, ref.code)
    response = client.post(f"/track/{ref.number}/rate", data={"satisfaction": "9"})
    assert response.status_code == 400
    assert factory.get_ticket(ref.id)["ratings"] == []


def test_enterprise_cannot_reach_another_tickets_files(app, factory):
    mine, other = factory.ticket(S.PROCESSING), factory.ticket(S.PROCESSING)
    owner = app.test_client()
    _track(owner, other.number, other.code)
    owner.post(f"/track/{other.number}/supplement", data={"attachments": [(io.BytesIO(PDF), "x.pdf")]},
               content_type="multipart/form-data")
    with app.app_context():
        att_id = Attachment.query.one().id
    client = app.test_client()
    _track(client, mine.number, mine.code)
    assert client.get(f"/track/{mine.number}/files/{att_id}").status_code == 404
    assert client.get(f"/track/{other.number}/files/{att_id}").status_code == 404


def test_the_event_log_is_append_only_for_the_enterprise_too(app, factory):
    ref = factory.ticket(S.PROCESSING)
    before = factory.count(TicketEvent)
    client = app.test_client()
    _track(client, ref.number, ref.code)
    client.post(f"/track/{ref.number}/supplement", data={"body": "补充"})
    assert factory.count(TicketEvent) == before + 1


def test_a_file_without_a_name_is_refused_not_dropped(client, category, factory):
    data = form(category)
    data["attachments"] = [(io.BytesIO(PDF), "")]
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "类型不支持" in response.get_data(as_text=True)
    assert factory.count(Ticket) == 0
