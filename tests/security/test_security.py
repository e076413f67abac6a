"""Security regressions for what went wrong in peer trackers: access across tickets and departments, lookups,
stored XSS (also in a real browser), error pages, and hypothesis fuzzing of every form (0 server errors)."""
import io
import re
import statistics
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from app.enums import Role, TicketState as S
from tests.factories import verified_evaluation_token

pytestmark = pytest.mark.security

PDF = b"%PDF-1.4\n%%EOF\n"
PAYLOADS = ['<script>alert("xss")</script>', '<img src=x onerror="window.__xss=1">',
            '<div hx-get="/logout" hx-trigger="load">hx</div>', '<svg onload="window.__xss=2">',
            '<a href="javascript:window.__xss=3">点我</a>', '"><button hx-post="/logout" hx-on:click="window.__xss=4">']


# ---- access -------------------------------------------------------------------------------------------------

def test_attachment_of_ticket_a_through_ticket_b(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    a, b = factory.ticket(S.TRIAGE, secretary=secretary), factory.ticket(S.TRIAGE, secretary=secretary)
    client = login(app.test_client(), secretary)
    client.post(f"/tickets/{a.id}/actions/note", content_type="multipart/form-data",
                data={"body": "A 的材料", "attachments": [(io.BytesIO(PDF), "a.pdf")]})
    with app.app_context():
        from app.models import Attachment
        att = Attachment.query.one()
    assert client.get(f"/tickets/{a.id}/files/{att.id}").status_code == 200
    assert client.get(f"/tickets/{b.id}/files/{att.id}").status_code == 404
    assert app.test_client().get(f"/tickets/{a.id}/files/{att.id}").status_code == 302  # no session: log in


def test_another_departments_ticket_cannot_be_touched_by_id(app, factory, login):
    mine, theirs = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, lead_officer=theirs, title="他部门机密")
    client = login(app.test_client(), mine)
    before = factory.get_ticket(ref.id)
    for action, data in (("sign", {"version": before["version"]}), ("return", {"version": before["version"],
                                                                               "reason": "x"}),
                         ("progress", {"body": "冒充进展"}), ("note", {"body": "越权备注"})):
        assert client.post(f"/tickets/{ref.id}/actions/{action}", data=data).status_code == 404, action
    for url in (f"/tickets/{ref.id}", f"/tickets/{ref.id}/history", f"/tickets/{ref.id}/deadlines"):
        assert client.get(url).status_code == 404
    assert factory.get_ticket(ref.id) == before
    listing = client.get("/tickets?q=机密", headers={"HX-Request": "true", "HX-Target": "ticket-list"})
    assert "他部门机密" not in listing.get_data(as_text=True) and "共 0 件" in listing.get_data(as_text=True)


# ---- lookup -------------------------------------------------------------------------------------------------

@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_a_thousand_wrong_codes_from_one_address_are_rate_limited(app, factory):
    ref = factory.ticket(S.INTAKE)
    client = app.test_client()
    statuses = [client.post("/track", data={"number": ref.number, "code": f"WRONG{i:023d}"}).status_code
                for i in range(1000)]
    allowed = statuses.count(200)
    print(f"\n1,000 wrong codes: {allowed} answered, {statuses.count(429)} refused with 429")
    assert allowed <= 20 and statuses.count(429) == 1000 - allowed
    right = client.post("/track", data={"number": ref.number, "code": ref.code})
    assert right.status_code == 429  # even the right code waits: the address is throttled


def test_wrong_number_and_wrong_code_look_and_time_the_same(app, factory):
    ref = factory.ticket(S.INTAKE)
    client = app.test_client()

    def timed(data):
        t0 = time.perf_counter()
        response = client.post("/track", data=data)
        return time.perf_counter() - t0, response

    wrong_code = [timed({"number": ref.number, "code": "A" * 28}) for _ in range(60)]
    wrong_number = [timed({"number": "JJ-2026-999999", "code": ref.code}) for _ in range(60)]
    assert {r.status_code for _, r in wrong_code + wrong_number} == {200}
    from tests.conftest import without_tokens
    # The number comes back as typed (people retype only the code); apart from it the pages are identical.
    pages = {without_tokens(r.get_data()).replace(f'value="{ref.number}"', 'value=""')
             .replace('value="JJ-2026-999999"', 'value=""') for _, r in wrong_code + wrong_number}
    assert len(pages) == 1 and ref.code not in pages.pop()
    a, b = statistics.median(t for t, _ in wrong_code), statistics.median(t for t, _ in wrong_number)
    print(f"\nmedian answer: wrong code {a * 1000:.2f} ms, wrong number {b * 1000:.2f} ms")
    assert abs(a - b) < max(0.003, 0.5 * max(a, b))


# ---- errors -------------------------------------------------------------------------------------------------

def test_no_stack_trace_reaches_a_user(app, factory, login, monkeypatch):
    secretary = factory.user(Role.SECRETARY)
    client = login(app.test_client(), secretary)

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr("app.workspace.views.needs_me", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/workspace")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "系统暂时出了问题" in html
    assert "Traceback" not in html and "secret internals" not in html


# ---- stored XSS in a real browser ---------------------------------------------------------------------------

def test_stored_payloads_never_execute_in_the_browser(app, factory, login, live_server, browser):
    secretary = factory.user(Role.SECRETARY)
    supervisor = factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE, secretary=secretary, title=PAYLOADS[1][:100], description="\n".join(PAYLOADS))
    staff = login(app.test_client(), secretary)
    for payload in PAYLOADS:
        staff.post(f"/tickets/{ref.id}/actions/reply", content_type="multipart/form-data", data={
            "body": payload, "attachments": [(io.BytesIO(PDF), f"{payload[:40]}.pdf")]})
        staff.post(f"/tickets/{ref.id}/actions/note", data={"body": payload})
    with app.app_context():
        from app.extensions import db
        from app.models import Enterprise, Notification
        enterprise = db.session.get(Enterprise, ref.enterprise_id)
        enterprise.name = PAYLOADS[3]
        db.session.add(Notification(channel="in_app", user_id=supervisor.id, ticket_id=ref.id, kind="urge",
                                    title=PAYLOADS[0], body=PAYLOADS[2], created_at=app.extensions["jj_clock"].now()))
        db.session.commit()
    from tests.conftest import staff_login
    from tests.conftest import PASSWORD
    dialogs = []
    page = staff_login(browser, live_server, supervisor, PASSWORD)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in (f"/tickets/{ref.id}", f"/tickets/{ref.id}/history", "/tickets", "/workspace", "/notifications",
                f"/enterprises/{ref.enterprise_id}"):
        page.goto(live_server + url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("img[src='x'], svg[onload], [hx-on\\:click]").count() == 0, url
    public = browser.new_page()
    public.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    public.goto(live_server + "/track")
    public.fill("#number", ref.number)
    public.fill("#code", ref.code)
    public.click("main form button")
    public.wait_for_load_state("networkidle")
    assert public.evaluate("window.__xss") is None and public.locator("img[src='x']").count() == 0
    assert "onerror" in public.content()  # the text is there, shown as text
    assert dialogs == []


def test_notification_email_is_plain_text(app):
    from app.supervision.notify import send_email
    from app.models import Notification
    sent = []

    class FakeSMTP:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def send_message(self, msg):
            sent.append(msg)

    import smtplib
    original = smtplib.SMTP
    smtplib.SMTP = FakeSMTP
    try:
        with app.app_context():
            app.config["MAIL_SERVER"] = "localhost"
            send_email(Notification(address="a@b.cn", title=PAYLOADS[0], body=PAYLOADS[1]))
    finally:
        smtplib.SMTP = original
    assert sent[0].get_content_type() == "text/plain" and PAYLOADS[1] in sent[0].get_content()


# ---- fuzzing ------------------------------------------------------------------------------------------------

TEXT = st.one_of(st.text(max_size=300), st.sampled_from(PAYLOADS + ["", " ", "\x00", "0", "-1", "9" * 30,
                                                                    "'; DROP TABLE ticket;--", "%", "..", "a" * 6000]))


def _form_targets(factory):
    secretary, admin, supervisor = factory.user(Role.SECRETARY), factory.user(Role.ADMIN), factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    convened = factory.ticket(S.CONVENED, secretary=secretary)
    working = factory.ticket(S.PROCESSING, secretary=secretary)
    with factory.app.test_request_context():
        from app.extensions import db
        from app.meetings import services as meetings
        from app.models import Meeting, User
        meeting = db.session.scalar(select(Meeting))
        item = meetings.add_action_item(db.session.get(User, secretary.id), meeting, convened.id, "事项",
                                        convened.lead_department_id, 3)
        meeting_id, item_id = meeting.id, item.id
        from app.models import Enterprise
        from app.projects import services as projects
        project = projects.create_project(db.session.get(User, secretary.id), db.session.get(Enterprise, ref.enterprise_id),
                                          name="项目", investment_wan=1, industry="", park="", leader="")
        from app.models import ProcedureType
        kind_id = db.session.scalar(select(ProcedureType.id).where(ProcedureType.code == "project_filing"))
        procedure = projects.create_procedure(db.session.get(User, secretary.id), project.enterprise, kind_id,
                                              project=project)
        project_id, procedure_id = project.id, procedure.id
        from app.assessment.appeals import file_appeal
        from app.assessment.period import Month
        from app.models import Ticket
        appeal_id = file_appeal(db.session.get(Ticket, working.id), db.session.get(User, secretary.id),
                                "企业撤回").id
        token = verified_evaluation_token(ref.enterprise_id, Month(2026, 11))
        from app.models import TicketClock
        from app.supervision.services import request_extension
        clock_id = db.session.scalar(select(TicketClock.id).where(TicketClock.ticket_id == working.id,
                                                                  TicketClock.kind == "resolution"))
        extension_id = request_extension(db.session.get(Ticket, working.id), db.session.get(User, secretary.id),
                                         clock_id, 3, "等待材料").id
    # A 12345 transfer: the only kind of case the 退单 form (退回 12345 平台) is offered on.
    hotline = factory.ticket(S.TRIAGE, secretary=secretary)
    with factory.app.test_request_context():
        from app.models import Ticket
        db.session.get(Ticket, hotline.id).channel = "hotline"
        db.session.commit()
    # A 差评 leaves a remediation open: the return-visit form then reaches the service's date checks.
    bad = factory.ticket(S.RESOLVED, secretary=secretary)
    merged = factory.ticket(S.MERGED, secretary=secretary)
    with factory.app.test_request_context():
        from app.tickets.services import rate_ticket
        rate_ticket(db.session.get(Ticket, bad.id), "1", "unsolved", "还是没解决")
    with factory.app.test_request_context():
        from app.models import WebhookEndpoint
        endpoint = WebhookEndpoint(name="接收方", url="https://example.com/hook", secret="whsec_test",
                                   event_types='["ticket.created"]', is_active=False,
                                   created_at=factory.app.extensions["jj_clock"].now())
        db.session.add(endpoint)
        db.session.commit()
        endpoint_id = endpoint.id
    fields = {
        "/admin/webhooks/new": (admin, ["name", "url", "event_types", "active"]),
        f"/admin/webhooks/{endpoint_id}": (admin, ["name", "url", "event_types", "active"]),
        f"/assessment/tickets/{ref.id}/exclude": (supervisor, ["reason"]),
        f"/assessment/tickets/{ref.id}/include": (supervisor, ["reason"]),
        f"/assessment/tickets/{ref.id}/appeal": (secretary, ["reason"]),
        f"/assessment/appeals/{appeal_id}/decide": (supervisor, ["decision", "reason"]),
        "/assessment/2026-10/publish": (supervisor, ["republish", "note"]),
        "/admin/scoring": (admin, ["kind", "secretary-w_response", "secretary-w_on_time", "secretary-min_tickets",
                                   "secretary-gold_min_score", "secretary-visit_target", "department-w_returns"]),
        f"/evaluate/{token}": (None, [f"secretary_{secretary.id}-{k}" for k in ("lawful", "efficiency", "execution",
                                                                                "attitude", "comment")]),
        "/projects/new": (secretary, ["enterprise_id", "name", "investment_wan", "industry", "park", "leader"]),
        f"/projects/{project_id}/milestones": (secretary, ["planned_1", "actual_1", "planned_3", "actual_3", "owner_2",
                                                           "work_2", "order_reason"]),
        "/projects/targets": (supervisor, ["year", "park", "new_starts", "in_production", "start_rate"]),
        "/procedures/new": (secretary, ["enterprise_id", "type_id", "stage_id", "note", "project_id"]),
        f"/procedures/{procedure_id}": (secretary, ["status", "submitted_on", "approved_on", "note", "back"]),
        "/admin/procedure-types": (admin, ["kind", "name", "department_id", "standard_wd", "stage-name"]),
        f"/tickets/{working.id}/convene": (secretary, ["subject", "starts_at", "place", "agenda", "lead_department_id",
                                                       "support_department_ids", "ticket_ids", "guests"]),
        f"/meetings/{meeting_id}/minutes": (secretary, ["minutes_internal", "minutes_public"]),
        f"/meetings/{meeting_id}/items": (secretary, ["ticket_id", "title", "owner_department_id", "working_days"]),
        f"/action-items/{item_id}/done": (secretary, ["note"]),
        "/submit": (None, ["enterprise_name", "credit_code", "confirm_code", "contact_name", "mobile", "email",
                           "category_id", "urgency", "title", "description", "homepage", "submission_key"]),
        "/track": (None, ["number", "code"]),
        "/my/signin": (None, ["mobile"]),
        "/my/signin/code": (None, ["mobile", "code"]),
        "/login": (None, ["username", "password"]),
        f"/tickets/{ref.id}/actions/reply": (secretary, ["body"]),
        f"/tickets/{ref.id}/actions/note": (secretary, ["body"]),
        f"/tickets/{ref.id}/actions/dispatch": (secretary, ["version", "lead_department_id", "support_department_ids",
                                                            "instructions"]),
        f"/tickets/{ref.id}/actions/edit": (secretary, ["version", "title", "description", "category_id", "urgency"]),
        f"/tickets/{ref.id}/actions/hold": (secretary, ["version", "reason"]),
        f"/tickets/{hotline.id}/actions/platform_return": (secretary, ["version", "reason"]),
        f"/tickets/{ref.id}/extensions": (secretary, ["clock_id", "days", "reason"]),
        f"/tickets/{ref.id}/supervise": (supervisor, ["note"]),
        f"/tickets/{bad.id}/return-visit": (secretary, ["visited_on", "way", "result", "satisfied"]),
        f"/tickets/{ref.id}/merge": (secretary, ["other_number", "direction", "reason"]),
        f"/tickets/{merged.id}/unmerge": (supervisor, ["reason"]),
        "/admin/policies/rating": (admin, ["default_after_days"]),
        "/tickets/new": (secretary, ["enterprise_id", "new_enterprise_name", "new_credit_code", "channel",
                                     "contact_name", "mobile", "email", "category_id", "urgency", "title", "description",
                                     "visit_id", "project_id", "hotline_order_no", "received_at", "confirm_new"]),
        "/visits/new": (secretary, ["enterprise_id", "kind", "visited_on", "participants", "summary"]),
        f"/enterprises/{ref.enterprise_id}/contact": (supervisor, ["contact_name", "mobile", "email"]),
        f"/enterprises/{ref.enterprise_id}/sms": (supervisor, ["choice"]),
        "/enterprises/new": (supervisor, ["name", "credit_code", "park", "industry", "secretary_id", "primary",
                                          "contacts-0-id", "contacts-0-name", "contacts-0-title", "contacts-0-mobile",
                                          "contacts-0-verified", "contacts-1-name", "contacts-1-mobile"]),
        f"/enterprises/{ref.enterprise_id}/edit": (supervisor, ["name", "credit_code", "park", "industry"]),
        f"/enterprises/{ref.enterprise_id}/contacts": (secretary, ["primary", "contacts-0-id", "contacts-0-name",
                                                                    "contacts-0-title", "contacts-0-mobile",
                                                                    "contacts-0-verified", "contacts-1-id",
                                                                    "contacts-1-name", "contacts-1-mobile"]),
        "/enterprises/assign": (supervisor, ["enterprise_ids", "secretary_id", "confirm"]),
        "/admin/messages/accepted": (admin, ["subject", "text", "do"]),
        "/admin/users/new": (admin, ["username", "display_name", "role", "department_id", "email", "mobile",
                                     "office_phone", "password"]),
        "/admin/departments": (admin, ["name", "active"]),
        "/admin/calendar": (admin, ["day", "kind", "note"]),
        "/admin/calendar/notice": (admin, ["year", "holidays", "workdays", "confirm"]),
        "/admin/duty": (admin, ["day", "user_id"]),
        f"/extensions/{extension_id}/decide": (supervisor, ["decision", "due_mode", "due_on", "due_days", "note"]),
        "/admin/policies/new": (admin, ["name", "category_id", "urgency", "acknowledge_hours", "resolution_wd",
                                        "warning_percent", "supervise_after_wd", "escalate_after_wd"]),
        "/admin/api-tokens/new": (admin, ["name", "scope_read", "scope_write", "scope_exchange", "department_id",
                                          "user_id"]),
        "/tickets": (secretary, ["q", "state", "category", "department", "channel", "secretary", "from", "to",
                                 "sort", "page", "pool"]),
    }
    return fields


FUZZ_TARGETS = 54  # the number of entries in _form_targets; the coverage test below keeps it honest


@pytest.mark.parametrize("target", range(FUZZ_TARGETS))
def test_fuzz_every_form(app, factory, login, target):
    targets = list(_form_targets(factory).items())
    url, (person, names) = targets[target]
    client = app.test_client()
    if person is not None:
        login(client, person)
    method = "GET" if url == "/tickets" else "POST"
    failures = []

    @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.dictionaries(st.sampled_from(names + ["status", "state", "department_id", "id"]), TEXT, max_size=12))
    def fuzz(data):
        response = client.open(url, method=method, query_string=data if method == "GET" else None,
                               data=data if method == "POST" else None)
        if response.status_code >= 500:
            failures.append((data, response.status_code))

    fuzz()
    print(f"\nfuzzed {method} {url}: 500 examples, {len(failures)} server errors")
    assert failures == []


def test_form_table_covers_every_post_route(app, factory):
    adapter = app.url_map.bind("localhost")
    covered = set()
    targets = _form_targets(factory)
    assert len(targets) == FUZZ_TARGETS, "update FUZZ_TARGETS so that every form is fuzzed"
    for url in targets:
        method = "GET" if url == "/tickets" else "POST"
        rule, _args = adapter.match(url, method=method, return_rule=True)
        covered.add(re.sub(r"<[^>]+>", "<id>", rule.rule))
    post_rules = {re.sub(r"<[^>]+>", "<id>", r.rule) for r in app.url_map.iter_rules() if "POST" in r.methods}
    # Routes without free-text input: a button (logout, language, read-all, urge, recompute), a decision or a
    # delete with an id, or the enterprise tracking actions that need an unlocked session (tested elsewhere).
    buttons = {"/logout", "/language", "/notifications/read-all", "/notifications/<id>/open", "/tickets/<id>/urge",
               "/admin/policies/recompute", "/assessment/<id>/recompute", "/admin/calendar/<id>/delete", "/admin/duty/<id>/delete",
               "/track/<id>/rate", "/track/<id>/supplement", "/tickets/<id>/actions/<id>", "/admin/users/<id>",
               "/admin/departments/<id>", "/admin/categories", "/admin/categories/<id>", "/admin/policies/<id>",
               "/meetings/<id>/confirm", "/meetings/<id>/plan", "/admin/procedure-types/<id>",
               "/procedures/<id>/documents",  # takes files only: tested with bad files in test_projects
               # Personal tracking links: issue and revoke are buttons (no field), tested in test_tracking_links.
               "/tickets/<id>/links", "/tickets/<id>/links/<id>/revoke",
               "/tickets/<id>/send-link", "/assessment/<id>/invitations/send", "/track/<id>/sms",
               "/my/signout",  # a button; tested in test_enterprise_signin
               "/admin/api-tokens/<id>/revoke",  # a button
               # The JSON API takes no form: schemathesis generates its requests (tests/test_api_schemathesis.py).
               "/api/v1/tickets", "/api/v1/tickets/<id>/actions/<id>", "/api/v1/exchange/12345/orders",
               "/tickets/<id>/take",  # a button (the version only); tested in test_enterprise_desk
               # Webhooks: renew the secret, send a test event, replay a delivery (tested in test_webhooks).
               "/admin/webhooks/<id>/secret", "/admin/webhooks/<id>/test", "/admin/webhooks/deliveries/<id>/replay"}
    assert post_rules - covered - buttons == set()
