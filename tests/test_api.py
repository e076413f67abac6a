"""The JSON API at /api/v1: tokens (shown once, hashed, revocable, last use), scopes, the web's access rules,
filters and cursor pagination, intake from outside channels, verbs through the API, JSON errors, limits and the
request id."""
import hashlib
import json
import logging
import re

import pytest
from sqlalchemy import select

from app.enums import EventKind, Role, TicketState as S
from app.extensions import db
from app.models import ApiToken, Ticket, TicketEvent, User

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def admin(factory):
    return factory.user(Role.ADMIN)


@pytest.fixture
def make_token(app, admin):
    """A token made through the service the admin page calls; returns the token string."""

    def make(scopes=("read",), department_id=None, user=None, name="对接系统"):
        from app.api import tokens
        with app.test_request_context():
            _row, raw = tokens.issue(db.session.get(User, admin.id), name=name, scopes=list(scopes),
                                     department_id=department_id, user_id=user.id if user else None)
            return raw

    return make


def bearer(token, **extra):
    return {"Authorization": f"Bearer {token}", **extra}


def _events(app, ticket_id):
    with app.app_context():
        return db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                  .order_by(TicketEvent.id)).all()


# ---- tokens ----------------------------------------------------------------------------------------------

def test_token_is_shown_once_stored_as_hash_records_use_and_dies_when_revoked(app, login, admin, factory):
    supervisor = factory.user(Role.SUPERVISOR)
    client = login(app.test_client(), admin)
    page = client.post("/admin/api-tokens/new", data={"name": "数据中台", "scope_read": "y",
                                                      "user_id": str(supervisor.id)})
    assert page.status_code == 201 and page.headers["Cache-Control"] == "no-store"
    raw = re.search(r"jj_[A-Za-z0-9_-]{43}", page.get_data(as_text=True)).group(0)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        # Only the SHA-256 of the token is kept, plus its first 8 characters to recognise it in the list.
        assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in json.dumps([row.name, row.prefix, row.scopes, row.token_hash])
        assert row.last_used_at is None
        token_id = row.id
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert raw not in listing and raw[:8] in listing and "从未使用" in listing

    api = app.test_client()
    assert api.get("/api/v1/departments", headers=bearer(raw)).status_code == 200
    with app.app_context():
        # The frozen clock's moment (Mon 2026-11-16 09:00 Beijing) is the use recorded.
        assert db.session.get(ApiToken, token_id).last_used_at == app.extensions["jj_clock"].now()
    assert "2026-11-16 09:00" in client.get("/admin/api-tokens").get_data(as_text=True)

    assert client.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 303
    refused = api.get("/api/v1/departments", headers=bearer(raw))
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "unauthorized" and CHINESE.search(refused.json["error"]["message"])
    # A revoked token answers exactly like one that never existed.
    never = api.get("/api/v1/departments", headers=bearer("jj_" + "A" * 43))
    assert never.status_code == 401 and never.json["error"] == refused.json["error"]


def test_token_form_refuses_both_or_neither_principal_and_keeps_what_was_typed(app, login, admin, factory):
    dept = factory.department("住建局")
    supervisor = factory.user(Role.SUPERVISOR)
    client = login(app.test_client(), admin)
    both = client.post("/admin/api-tokens/new", data={"name": "两者都选", "scope_read": "y",
                                                      "department_id": str(dept), "user_id": str(supervisor.id)})
    assert both.status_code == 400
    html = both.get_data(as_text=True)
    assert "二选一" in html and "两者都选" in html
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_a_disabled_user_token_answers_401(app, factory, make_token):
    secretary = factory.user(Role.SECRETARY)
    token = make_token(user=secretary)
    factory.set_active(secretary, False)
    response = app.test_client().get("/api/v1/tickets", headers=bearer(token))
    assert response.status_code == 401 and response.json["error"]["code"] == "token_principal_inactive"


def test_the_staff_session_cookie_is_never_authentication(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    factory.ticket(S.PROCESSING)
    client = login(app.test_client(), supervisor)
    assert client.get("/tickets").status_code == 200  # the cookie works for the pages …
    response = client.get("/api/v1/tickets")  # … and opens nothing in the API
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert "items" not in response.json


# ---- scopes and access -------------------------------------------------------------------------------------

def test_a_read_only_token_cannot_write(app, factory, make_token):
    ticket = factory.ticket(S.TRIAGE)
    token = make_token(scopes=("read",), user=ticket.secretary)
    api = app.test_client()
    before = len(_events(app, ticket.id))
    response = api.post(f"/api/v1/tickets/{ticket.id}/actions/note", json={"body": "内部备注"},
                        headers=bearer(token))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope" and "办理诉求" in response.json["error"]["message"]
    created = api.post("/api/v1/tickets", json={}, headers=bearer(token))
    assert created.status_code == 403
    assert len(_events(app, ticket.id)) == before
    # Reading is what it may do, and it is told no action is open to it.
    detail = api.get(f"/api/v1/tickets/{ticket.id}", headers=bearer(token))
    assert detail.status_code == 200 and detail.json["actions"] == []


def test_a_department_token_sees_exactly_what_its_officers_see(app, factory, login, make_token):
    officer_a, officer_b = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    mine = [factory.ticket(S.PROCESSING, lead_officer=officer_a), factory.ticket(S.RESOLVED, lead_officer=officer_a)]
    theirs = factory.ticket(S.PROCESSING, lead_officer=officer_b)
    intake = factory.ticket(S.INTAKE, lead_officer=officer_a)  # not dispatched: no department sees it yet
    token = make_token(department_id=officer_a.department_id)
    api = app.test_client()
    listed = api.get("/api/v1/tickets?limit=200", headers=bearer(token)).json["items"]
    assert sorted(t["id"] for t in listed) == sorted(t.id for t in mine)
    for hidden in (theirs, intake):
        response = api.get(f"/api/v1/tickets/{hidden.id}", headers=bearer(token))
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
        assert api.get(f"/api/v1/tickets/{hidden.id}/deadlines", headers=bearer(token)).status_code == 404
    # The web list of an officer of that department shows the same cases.
    html = login(app.test_client(), officer_a).get("/tickets").get_data(as_text=True)
    assert all(t.number in html for t in mine) and theirs.number not in html and intake.number not in html
    # Enterprises are for secretaries and supervisors, as on the web.
    assert api.get("/api/v1/enterprises", headers=bearer(token)).status_code == 403


# ---- the list ---------------------------------------------------------------------------------------------

def test_filters_and_cursor_pagination_walk_every_ticket_once(app, factory, make_token):
    supervisor = factory.user(Role.SUPERVISOR)
    made = [factory.ticket(state) for state in
            (S.INTAKE, S.TRIAGE, S.PROCESSING, S.PROCESSING, S.RESOLVED, S.CLOSED, S.PROCESSING)]
    token = make_token(user=supervisor)
    api = app.test_client()

    def walk(query):
        seen, cursor, pages = [], None, 0
        while True:
            url = f"/api/v1/tickets?limit=3&{query}" + (f"&cursor={cursor}" if cursor else "")
            body = api.get(url, headers=bearer(token)).json
            seen += [t["id"] for t in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                return seen, pages

    ids, pages = walk("order=oldest")
    # 7 tickets, 3 a page: 3 + 3 + 1, each exactly once, in id order.
    assert ids == sorted(t.id for t in made) and pages == 3
    newest, _pages = walk("order=newest")
    assert newest == sorted((t.id for t in made), reverse=True)
    processing, pages = walk("state=processing")
    assert processing == sorted(t.id for t in made[2:4] + made[6:]) and pages == 1
    open_ids, _pages = walk("state=open")  # intake, triage and the three in processing (resolved is not open)
    assert sorted(open_ids) == sorted(t.id for t in made[0:4] + made[6:])
    by_number, _pages = walk(f"q={made[4].number}")
    assert by_number == [made[4].id]
    assert walk("channel=phone")[0] == []


def test_list_refuses_bad_filters_with_field_errors(app, factory, make_token):
    token = make_token(user=factory.user(Role.SUPERVISOR))
    api = app.test_client()
    response = api.get("/api/v1/tickets?state=nonsense&limit=0", headers=bearer(token))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed" and set(error["fields"]) == {"state", "limit"}
    assert CHINESE.search(error["message"])
    bad_cursor = api.get("/api/v1/tickets?cursor=garbage", headers=bearer(token))
    assert bad_cursor.status_code == 422 and "cursor" in bad_cursor.json["error"]["fields"]


# ---- writing ----------------------------------------------------------------------------------------------

def test_create_a_ticket_from_an_outside_channel(app, factory, make_token):
    secretary = factory.user(Role.SECRETARY)
    enterprise_id = factory.enterprise(secretary)
    category_id = factory.category()
    token = make_token(scopes=("read", "tickets_write"), user=secretary)
    api = app.test_client()
    body = {"channel": "phone", "enterprise_id": enterprise_id, "contact_name": "李经理", "mobile": "13900001111",
            "category_id": category_id, "title": "电话反映：厂区道路积水", "description": "雨后厂区门口积水严重。"}
    response = api.post("/api/v1/tickets", json=body, headers=bearer(token))
    assert response.status_code == 201, response.json
    ticket = response.json["ticket"]
    # Recorded like /tickets/new: accepted at once (triage), the channel kept, the secretary responsible.
    assert ticket["state"] == "triage" and ticket["channel"] == "phone" and ticket["secretary"]["id"] == secretary.id
    assert [e["kind"] for e in ticket["events"]][0] == EventKind.RECORDED.value
    assert re.fullmatch(r"[A-Z0-9-]{10,}", response.json["access_code"])

    web = api.post("/api/v1/tickets", json={**body, "channel": "web"}, headers=bearer(token))
    assert web.status_code == 422 and "channel" in web.json["error"]["fields"]
    missing = api.post("/api/v1/tickets", json={**body, "title": "  "}, headers=bearer(token))
    assert missing.status_code == 422
    assert missing.json["error"]["fields"]["title"] == ["请填写诉求标题。"]
    with app.app_context():
        assert db.session.query(Ticket).count() == 1  # nothing written by the refusals


def test_a_department_token_cannot_record_tickets(app, factory, make_token):
    token = make_token(scopes=("read", "tickets_write"), department_id=factory.department())
    response = app.test_client().post("/api/v1/tickets", json={"channel": "phone"}, headers=bearer(token))
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def _comparable(event):
    return (event.kind, event.from_state, event.to_state, event.body, event.is_public, event.details,
            event.actor_name)


def test_a_verb_through_the_api_records_the_same_event_as_the_web_page(app, factory, login, make_token):
    secretary = factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER)
    by_web = factory.ticket(S.TRIAGE, secretary=secretary, lead_officer=officer)
    by_api = factory.ticket(S.TRIAGE, secretary=secretary, lead_officer=officer)
    form = {"lead_department_id": str(officer.department_id), "instructions": "请尽快办理"}
    web = login(app.test_client(), secretary)
    assert web.post(f"/tickets/{by_web.id}/actions/dispatch",
                    data={**form, "version": factory.get_ticket(by_web.id)["version"]}).status_code == 303
    token = make_token(scopes=("read", "tickets_write"), user=secretary)
    response = app.test_client().post(
        f"/api/v1/tickets/{by_api.id}/actions/dispatch", headers=bearer(token),
        json={"lead_department_id": officer.department_id, "instructions": "请尽快办理",
              "version": factory.get_ticket(by_api.id)["version"]})
    assert response.status_code == 200, response.json
    assert response.json["done"] == "已转办。" and response.json["ticket"]["state"] == "processing"
    web_events = [_comparable(e) for e in _events(app, by_web.id)]
    api_events = [_comparable(e) for e in _events(app, by_api.id)]
    assert api_events == web_events
    assert api_events[-2][0] == EventKind.DISPATCHED.value

    # A refused transition: 409 with the workflow's own message, and nothing changes.
    again = app.test_client().post(
        f"/api/v1/tickets/{by_api.id}/actions/dispatch", headers=bearer(token),
        json={"lead_department_id": officer.department_id, "version": factory.get_ticket(by_api.id)["version"]})
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"
    assert "当前状态为“办理中”" in again.json["error"]["message"]
    assert len(_events(app, by_api.id)) == len(api_events)


def test_a_department_token_signs_and_reports_as_its_officers(app, factory, make_token):
    officer = factory.user(Role.OFFICER)
    ticket = factory.ticket(S.PROCESSING, lead_officer=officer)
    token = make_token(scopes=("read", "tickets_write"), department_id=officer.department_id, name="住建局系统")
    api = app.test_client()
    detail = api.get(f"/api/v1/tickets/{ticket.id}", headers=bearer(token)).json
    assert set(detail["actions"]) == {"note", "sign", "return"}
    signed = api.post(f"/api/v1/tickets/{ticket.id}/actions/sign", json={"version": detail["version"]},
                      headers=bearer(token))
    assert signed.status_code == 200
    last = _events(app, ticket.id)[-1]
    # Written in the department's name through the token, with no staff account behind it.
    assert last.kind == EventKind.SIGNED.value and last.actor_id is None and "住建局系统" in last.actor_name
    reply = api.post(f"/api/v1/tickets/{ticket.id}/actions/reply", json={"body": "答复"}, headers=bearer(token))
    assert reply.status_code == 403  # replying to the enterprise is the secretary's


def test_missing_fields_of_an_action_are_named(app, factory, make_token):
    ticket = factory.ticket(S.TRIAGE)
    token = make_token(scopes=("read", "tickets_write"), user=ticket.secretary)
    response = app.test_client().post(f"/api/v1/tickets/{ticket.id}/actions/resolve", json={},
                                      headers=bearer(token))
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"version", "outcome"}


# ---- reading the rest ---------------------------------------------------------------------------------------

def test_deadlines_carry_due_time_level_and_the_pages_explanation(app, factory, make_token):
    ticket = factory.ticket(S.PROCESSING)
    token = make_token(user=ticket.secretary)
    body = app.test_client().get(f"/api/v1/tickets/{ticket.id}/deadlines", headers=bearer(token)).json
    running = {c["kind"]: c for c in body["clocks"] if c["running"]}
    resolution = running["resolution"]
    # Dispatched Mon 2026-11-16 09:00 with 5 working days: the end of Mon 11-23 (day 0 not counted).
    assert resolution["due_text"] == "2026-11-23 24:00" and resolution["level"] == "ok"
    assert resolution["explanation"][0].startswith("自 2026-11-16 09:00 起计时，标准为5 个工作日")
    assert resolution["explanation"][-1] == "由此到期：2026-11-23 24:00。"


def test_reference_resources(app, factory, make_token):
    supervisor = factory.user(Role.SUPERVISOR)
    factory.department("住建局")
    factory.enterprise(supervisor)
    token = make_token(user=supervisor)
    api = app.test_client()
    departments = api.get("/api/v1/departments", headers=bearer(token)).json["items"]
    assert [d["name"] for d in departments] == ["住建局"]
    enterprises = api.get("/api/v1/enterprises", headers=bearer(token)).json
    assert len(enterprises["items"]) == 1 and enterprises["next_cursor"] is None
    assert api.get("/api/v1/assessment/months", headers=bearer(token)).json == {"items": []}
    unpublished = api.get("/api/v1/assessment/months/2026-10", headers=bearer(token))
    assert unpublished.status_code == 404 and unpublished.json["error"]["message"] == "该月考评尚未发布。"


# ---- errors, limits, request id, docs -----------------------------------------------------------------------

def test_errors_are_json_with_a_chinese_message_and_the_request_id(app, factory, make_token):
    api = app.test_client()
    for url, status in (("/api/v1/tickets", 401), ("/api/v1/no-such-thing", 404)):
        response = api.get(url, headers={"X-Request-ID": "abc-123"})
        assert response.status_code == status and response.is_json
        assert CHINESE.search(response.json["error"]["message"])
        assert response.json["request_id"] == "abc-123" == response.headers["X-Request-ID"]
    token = make_token(user=factory.user(Role.SUPERVISOR))
    wrong_method = api.delete("/api/v1/tickets", headers=bearer(token))
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"
    missing = api.get("/api/v1/tickets/999999", headers=bearer(token))
    assert missing.status_code == 404 and missing.json["error"]["message"] == "诉求不存在，或该令牌无权查看。"


def test_request_id_is_echoed_or_made_and_marks_the_log_lines(app, factory, make_token, caplog):
    token = make_token(user=factory.user(Role.SUPERVISOR))
    api = app.test_client()
    with caplog.at_level(logging.INFO, logger="jianjian.api"):
        echoed = api.get("/api/v1/categories", headers=bearer(token, **{"X-Request-ID": "req-42.a"}))
        made = api.get("/api/v1/categories", headers=bearer(token, **{"X-Request-ID": "bad id <script>"}))
    assert echoed.headers["X-Request-ID"] == "req-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    lines = [r.getMessage() for r in caplog.records if r.name == "jianjian.api"]
    assert any(line.startswith("[request_id=req-42.a] GET /api/v1/categories -> 200") for line in lines)
    assert any(made.headers["X-Request-ID"] in line for line in lines)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_each_token_has_its_own_rate_limit(app, factory, make_token):
    supervisor = factory.user(Role.SUPERVISOR)
    first, second = make_token(user=supervisor), make_token(user=supervisor)
    api = app.test_client()
    # 3 a minute, counted over every resource together.
    statuses = [api.get(url, headers=bearer(first)).status_code
                for url in ("/api/v1/departments", "/api/v1/categories", "/api/v1/tickets", "/api/v1/departments")]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/departments", headers=bearer(first))
    assert limited.json["error"]["code"] == "rate_limited" and CHINESE.search(limited.json["error"]["message"])
    assert api.get("/api/v1/departments", headers=bearer(second)).status_code == 200


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_api_needs_no_csrf_token(app, factory, make_token):
    ticket = factory.ticket(S.TRIAGE)
    token = make_token(scopes=("read", "tickets_write"), user=ticket.secretary)
    response = app.test_client().post(f"/api/v1/tickets/{ticket.id}/actions/note", json={"body": "电话已沟通"},
                                      headers=bearer(token))
    assert response.status_code == 200 and _events(app, ticket.id)[-1].body == "电话已沟通"


def test_openapi_document_and_docs_page(app):
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/tickets", "/api/v1/tickets/{ticket_id}/actions/{action}", "/api/v1/tickets/{ticket_id}/deadlines",
            "/api/v1/enterprises", "/api/v1/departments", "/api/v1/categories",
            "/api/v1/assessment/months/{month_text}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # 3.1 writes "may be null" as a type list, not 3.0's `nullable`.
    due = spec["components"]["schemas"]["TicketSummary"]["properties"]["due_at"]
    assert "null" in due["type"] and "nullable" not in due
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/api-docs.js" in html and not re.search(r"<script>(?!</script>)", html)
    assert client.get("/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_an_integration_name_never_reaches_the_enterprise(app, factory):
    # A department token's events carry "住建局（接口：名称）" with no account behind them; the enterprise's pages
    # show the centre instead. The enterprise itself and the 12345 platform keep their names.
    from app.display import public_actor
    from app.journal import ENTERPRISE_ACTOR, PLATFORM_ACTOR
    from app.models import TicketEvent
    with app.test_request_context():
        assert public_actor(TicketEvent(actor_id=None, actor_name="住建局（接口：内部办件系统V2）")) == "企业服务中心"
        assert public_actor(TicketEvent(actor_id=7, actor_name="王晓明")) == "企业服务中心"
        assert public_actor(TicketEvent(actor_id=None, actor_name=ENTERPRISE_ACTOR)) == ENTERPRISE_ACTOR
        assert public_actor(TicketEvent(actor_id=None, actor_name=PLATFORM_ACTOR)) == PLATFORM_ACTOR
