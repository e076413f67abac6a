"""Bad input on every form: a clear error in Chinese, nothing stored; hostile text is stored verbatim and always
rendered escaped."""
import pytest
from sqlalchemy import func, select

from app.enums import Role, TicketState as S
from app.extensions import db

SCRIPT = '<script>alert("x")</script>'
HTMX = '<button hx-post="/logout" hx-trigger="load" hx-on:click="alert(1)">点我</button>'
SVG = '<svg onload=alert(1)>'
NUL = "正常文字\x00后面"


def snapshot(app):
    """Row counts of every table: "nothing stored" means this does not change."""
    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@pytest.fixture
def staff(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    admin = factory.user(Role.ADMIN)
    ticket = factory.ticket(S.TRIAGE, secretary=secretary)
    enterprise = ticket.enterprise_id
    return {"secretary": login(app.test_client(), secretary), "admin": login(app.test_client(), admin),
            "ticket": ticket, "enterprise": enterprise, "category": factory.category(),
            "department": ticket.lead_department_id}


def staff_forms(s):
    """(client, url, a valid payload) for every staff form."""
    t = s["ticket"]
    return {
        "offline": (s["secretary"], "/tickets/new", {
            "enterprise_id": str(s["enterprise"]), "channel": "phone", "contact_name": "赵总", "mobile": "13912345678",
            "category_id": str(s["category"]), "urgency": "normal", "title": "电话反映的问题",
            "description": "企业来电反映用电问题。"}),
        "visit": (s["secretary"], "/visits/new", {"enterprise_id": str(s["enterprise"]), "kind": "visit",
                                                   "visited_on": "2026-11-13", "summary": "走访情况"}),
        "reply": (s["secretary"], f"/tickets/{t.id}/actions/reply", {"body": "您好，已收到。"}),
        "note": (s["secretary"], f"/tickets/{t.id}/actions/note", {"body": "内部备注"}),
        "hold": (s["secretary"], f"/tickets/{t.id}/actions/hold", {"version": "{v}", "reason": "等待企业材料"}),
        "dispatch": (s["secretary"], f"/tickets/{t.id}/actions/dispatch", {
            "version": "{v}", "lead_department_id": str(s["department"]), "instructions": "请办理"}),
        "edit": (s["secretary"], f"/tickets/{t.id}/actions/edit", {
            "version": "{v}", "title": "新标题", "description": "新的描述内容", "category_id": str(s["category"]),
            "urgency": "normal"}),
        "new_user": (s["admin"], "/admin/users/new", {"username": "wang.li", "display_name": "王丽", "role": "secretary",
                                                      "password": "long-enough-1", "active": "y"}),
        "department": (s["admin"], "/admin/departments", {"name": "应急管理局", "active": "y"}),
        "category": (s["admin"], "/admin/categories", {"name": "安全生产", "description": "", "active": "y"}),
        "webhook": (s["admin"], "/admin/webhooks/new", {"name": "协同平台", "url": "https://example.com/hooks",
                                                         "event_types": "ticket.created", "active": "y"}),
    }


BAD = {
    "offline": [("title", ""), ("title", "长" * 101), ("mobile", "abc"), ("category_id", "x"), ("channel", "web"),
                ("enterprise_id", "999999"), ("description", NUL), ("new_credit_code", "91320505ABCDEFGH00")],
    "visit": [("summary", ""), ("visited_on", "not-a-date"), ("kind", "party"), ("summary", "长" * 5001),
              ("enterprise_id", "abc")],
    "reply": [("body", ""), ("body", "   "), ("body", "长" * 5001), ("body", NUL)],
    "note": [("body", ""), ("body", NUL)],
    "hold": [("reason", ""), ("version", "abc"), ("reason", "长" * 2001)],
    "dispatch": [("lead_department_id", ""), ("lead_department_id", "999999"), ("version", ""),
                 ("instructions", "长" * 2001)],
    "edit": [("title", ""), ("title", "长" * 101), ("urgency", "extreme"), ("category_id", "0"), ("description", NUL)],
    "new_user": [("username", ""), ("username", "a b"), ("username", SCRIPT), ("role", "root"), ("password", "short"),
                 ("display_name", ""), ("email", "not-an-email"), ("role", "officer")],
    "department": [("name", ""), ("name", "长" * 81), ("name", NUL)],
    "category": [("name", ""), ("description", "长" * 301)],
    "webhook": [("name", ""), ("name", "长" * 81), ("name", NUL), ("url", ""), ("url", "ftp://example.com/h"),
                ("url", SCRIPT), ("url", "https://example.com/" + "a" * 500),
                ("event_types", "ticket.nonsense"), ("event_types", "")],
}


def _fill(payload, version):
    return {k: (str(version) if v == "{v}" else v) for k, v in payload.items()}


@pytest.mark.parametrize("form_name,field,value", [(f, k, v) for f, cases in BAD.items() for k, v in cases],
                         ids=lambda x: str(x)[:20])
def test_bad_staff_input_is_refused_and_changes_nothing(app, factory, staff, form_name, field, value):
    client, url, payload = staff_forms(staff)[form_name]
    payload = _fill(payload, factory.get_ticket(staff["ticket"].id)["version"])
    payload[field] = value
    before, ticket_before = snapshot(app), factory.get_ticket(staff["ticket"].id)
    response = client.post(url, data=payload, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, (form_name, field, html[:300])
    assert any(word in html for word in ("请", "不能", "无效", "不是有效", "格式", "至少", "必须", "失效", "不存在")), html[:500]
    assert snapshot(app) == before and factory.get_ticket(staff["ticket"].id) == ticket_before
    assert SCRIPT not in html


@pytest.mark.parametrize("form_name", sorted(BAD))
def test_the_valid_payload_is_accepted(app, factory, staff, form_name):
    """The baseline the bad-input cases vary: it must pass, or the cases above would prove nothing."""
    client, url, payload = staff_forms(staff)[form_name]
    payload = _fill(payload, factory.get_ticket(staff["ticket"].id)["version"])
    response = client.post(url, data=payload)
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("payload", [SCRIPT, HTMX, SVG])
def test_hostile_text_is_kept_verbatim_and_rendered_escaped(app, factory, staff, payload):
    client, t = staff["secretary"], staff["ticket"]
    client.post(f"/tickets/{t.id}/actions/reply", data={"body": payload})
    client.post(f"/tickets/{t.id}/actions/note", data={"body": payload})
    with app.app_context():
        from app.models import TicketEvent
        bodies = [e.body for e in TicketEvent.query.filter_by(ticket_id=t.id)]
    assert bodies.count(payload) == 2
    pages = [client.get(f"/tickets/{t.id}").get_data(as_text=True),
             client.get(f"/tickets/{t.id}/history").get_data(as_text=True)]
    public = app.test_client()
    public.post("/track", data={"number": t.number, "code": t.code})
    pages.append(public.get(f"/track/{t.number}").get_data(as_text=True))
    for html in pages:
        assert payload not in html
        assert "hx-post=\"/logout\"" not in html and "<svg onload" not in html


def test_hostile_file_names_are_escaped(app, factory, staff):
    import io
    client, t = staff["secretary"], staff["ticket"]
    client.post(f"/tickets/{t.id}/actions/note", content_type="multipart/form-data",
                data={"body": "附件", "attachments": [(io.BytesIO(b"%PDF-1.4"), "'><img src=x onerror=alert(1)>.pdf")]})
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;.pdf" in html


@pytest.mark.parametrize("data", [
    {"number": "", "code": ""}, {"number": "JJ" * 30, "code": "A"}, {"number": "JJ-2026-000001\x00", "code": "x"},
    {"number": SCRIPT, "code": HTMX},
])
def test_bad_tracking_input_answers_calmly(app, data):
    response = app.test_client().post("/track", data=data)
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert SCRIPT not in html and "hx-post=\"/logout\"" not in html
    assert "请填写" in html or "不正确" in html or "无效字符" in html


def test_login_with_nul_and_huge_input(app):
    client = app.test_client()
    for data in ({"username": "a\x00b", "password": "x"}, {"username": "a" * 10000, "password": "b" * 10000}, {}):
        response = client.post("/login", data=data)
        assert response.status_code in (400, 401, 200)
        assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_every_state_change_needs_a_csrf_token(app, factory, login):
    """POST to every route without the token: refused with a clear message and no change anywhere."""
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    from tests.conftest import PASSWORD, csrf_token_from
    token = csrf_token_from(html)
    assert client.post("/login", data={"username": secretary.username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    before = snapshot(app)
    args = {"ticket_id": ref.id, "action": "accept", "number": ref.number, "obj_id": 1, "user_id": secretary.id,
            "extension_id": 1, "override_id": 1, "shift_id": 1, "policy_id": 1, "note_id": 1, "meeting_id": 1, "item_id": 1,
            "procedure_id": 1, "project_id": 1, "type_id": 1, "document_id": 1,
            "month_text": "2026-10", "appeal_id": 1, "token": "x", "enterprise_id": ref.enterprise_id, "link_id": 1,
            "kind_key": "accepted", "token_id": 1, "endpoint_id": 1, "delivery_id": 1}
    urls = set()
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods:
                urls.add(url_for(rule.endpoint, **{k: args[k] for k in rule.arguments}))
    assert len(urls) >= 15
    for url in sorted(urls):
        response = client.post(url, data={"body": "x", "reason": "x", "version": "1"})
        if url.startswith("/api/v1/"):
            # The JSON API takes no cookie and so needs no CSRF token: the session opens nothing there.
            assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized", url
            continue
        assert response.status_code == 400, url
        assert "页面已过期" in response.get_data(as_text=True), url
    assert snapshot(app) == before
    assert client.get("/workspace").status_code == 200  # still logged in: /logout without a token did nothing


def test_no_state_change_via_get(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.INTAKE, secretary=secretary)
    client = login(app.test_client(), secretary)
    before = snapshot(app)
    for url in (f"/tickets/{ref.id}/actions/accept", "/logout", "/language?lang=en"):
        assert client.get(url).status_code in (404, 405)
    assert snapshot(app) == before and factory.get_ticket(ref.id)["state"] == "intake"
