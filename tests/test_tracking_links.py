"""Personal tracking links (/t/<token>) and what the receipt and the tracking page tell the enterprise: the link
and its QR code, access codes in groups that never break, a wrong code that keeps the number, the secretary
with an office phone and the department handling the case."""
import hashlib
import logging
import re

import pytest
from sqlalchemy import select, text

from app.enums import EventKind, Role, TicketState as S
from app.extensions import db
from app.models import Ticket, TicketEvent, TrackingLink, User
from tests.conftest import without_tokens
from tests.factories import valid_credit_code

KEY = "k" * 43
LINK_RE = re.compile(r'id="personal-link" href="(http://localhost/t/([A-Za-z0-9_-]+))"')


def form(cat, **changes):
    data = {"enterprise_name": "苏州锐芯电子有限公司", "credit_code": valid_credit_code(7), "contact_name": "李经理",
            "mobile": "13912345678", "category_id": str(cat), "urgency": "normal",
            "title": "厂区用电增容申请迟迟未批", "description": "新增产线需要增容到 1600kVA，申请提交一个月仍无答复。",
            "submission_key": KEY}
    data.update(changes)
    return data


@pytest.fixture
def category(factory):
    return factory.category("项目审批")


def main_of(html: str) -> str:
    """The page's <main>: what the person reads, without the header (whose language switch echoes the path)."""
    return re.search(r"<main.*?</main>", html, re.S).group(0)


# ---- QR decoding: the served SVG, rasterised by hand and read by zxing-cpp ------------------------------------

def qr_modules(svg: str) -> set:
    """The dark modules (x, y) of segno's SVG path: 'M x y' / 'm dx dy' moves and 'h n' runs of n dark modules on
    the row y - 0.5 (segno draws each row as a line through the middle of its modules)."""
    d = re.search(r' d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for command, args in re.findall(r"([A-Za-z])([^A-Za-z]*)", d):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            dark.update((int(x) + i, int(y)) for i in range(int(numbers[0])))
            x += numbers[0]
        else:
            raise AssertionError(f"unexpected path command {command!r} in the QR code")
    return dark


def decode_qr(svg: str) -> list[str]:
    """What a QR reader reads in the SVG: its modules painted 4 px each on white, then zxing-cpp."""
    import zxingcpp
    dark = qr_modules(svg)
    size_modules = max(max(x for x, _ in dark), max(y for _, y in dark)) + 1 + 4  # the path starts inside the border
    scale, side = 4, (size_modules + 4) * 4
    pixels = bytearray([255]) * (side * side)
    for mx, my in dark:
        for dy in range(scale):
            start = (my * scale + dy) * side + mx * scale
            pixels[start:start + scale] = b"\x00" * scale
    return [r.text for r in zxingcpp.read_barcodes(memoryview(pixels).cast("B", (side, side)))]


def test_decoder_reads_what_segno_drew():
    # The decoder itself, on a code of a known text: otherwise a decoder that read nothing would prove nothing.
    import segno
    assert decode_qr(segno.make_qr("https://example.cn/t/abc", error="m").svg_inline(scale=4)) == \
        ["https://example.cn/t/abc"]


# ---- the receipt ------------------------------------------------------------------------------------------------

def test_receipt_gives_a_personal_link_and_its_qr_code(client, category, app):
    response = client.post("/submit", data=form(category))
    html = response.get_data(as_text=True)
    url, token = LINK_RE.search(html).groups()
    # 43 URL-safe base64 characters carry 43 × 6 = 258 bits, of which the 32 bytes drawn are 256: at least 128.
    assert len(token) == 43
    svg = re.search(r'<figure class="qr mb-0" id="personal-link-qr">(<svg.*?</svg>)</figure>', html, re.S).group(1)
    assert 'class="qr-code"' in svg and "<script" not in svg
    assert decode_qr(svg) == [url]
    # The link opens the same public page as the number and its code.
    by_link = client.get(f"/t/{token}")
    assert by_link.status_code == 200
    other = app.test_client()
    number = re.search(r'id="tracking-number">(JJ-\d{4}-\d{6})<', html).group(1)
    code = re.sub(r"<[^>]+>", "", re.search(r'id="access-code">(.*?)</dd>', html, re.S).group(1))
    assert other.post("/track", data={"number": number, "code": code}).status_code == 303
    by_code = other.get(f"/track/{number}")
    assert without_tokens(main_of(by_link.get_data(as_text=True))) == \
        without_tokens(main_of(by_code.get_data(as_text=True)))
    assert "厂区用电增容申请迟迟未批" in by_link.get_data(as_text=True)


def test_a_resubmitted_form_shows_the_same_link_and_makes_no_second(client, category, factory):
    first = LINK_RE.search(client.post("/submit", data=form(category)).get_data(as_text=True)).group(2)
    second = LINK_RE.search(client.post("/submit", data=form(category)).get_data(as_text=True)).group(2)
    assert first == second and factory.count(TrackingLink) == 1
    other = LINK_RE.search(client.post("/submit", data=form(category, submission_key="m" * 43))
                           .get_data(as_text=True)).group(2)
    assert other != first and factory.count(TrackingLink) == 2


def test_only_the_hash_of_a_token_is_stored(client, category, app, factory, login):
    receipt_token = LINK_RE.search(client.post("/submit", data=form(category)).get_data(as_text=True)).group(2)
    supervisor = factory.user(Role.SUPERVISOR)
    staff = login(app.test_client(), supervisor)
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id))
    issued_token = LINK_RE.search(staff.post(f"/tickets/{ticket_id}/links").get_data(as_text=True)).group(2)
    with app.app_context():
        stored = db.session.scalars(select(TrackingLink.token_hash).order_by(TrackingLink.id)).all()
        assert stored == [hashlib.sha256(t.encode()).hexdigest() for t in (receipt_token, issued_token)]
        # Neither token appears anywhere in the database: every text of every row of every table.
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                dumped = " ".join(str(v) for v in row)
                assert receipt_token not in dumped and issued_token not in dumped, table.name
        if db.engine.dialect.name == "sqlite":  # and not in the search index's own tables either
            for (name,) in db.session.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).all():
                for row in db.session.execute(text(f'SELECT * FROM "{name}"')).all():
                    assert receipt_token not in " ".join(str(v) for v in row), name


# ---- unknown, malformed and revoked links ------------------------------------------------------------------------

def test_unknown_malformed_and_revoked_links_answer_the_same_404(app, factory, login):
    ref = factory.ticket(S.PROCESSING)
    client = app.test_client()
    assert client.get(f"/t/{ref.link}").status_code == 200
    staff = login(app.test_client(), ref.secretary)
    with app.app_context():
        link_id = db.session.scalar(select(TrackingLink.id).where(TrackingLink.ticket_id == ref.id))
    assert staff.post(f"/tickets/{ref.id}/links/{link_id}/revoke").status_code == 303
    unknown = "A" * 43
    answers = [app.test_client().get(f"/t/{t}") for t in (ref.link, unknown, "short", ref.link[:-1] + "!")]
    assert [r.status_code for r in answers] == [404, 404, 404, 404]
    assert len({without_tokens(main_of(r.get_data(as_text=True))) for r in answers}) == 1
    assert "这个跟踪链接无效或已被撤销" in answers[0].get_data(as_text=True)
    # The browser that opened the link before it was revoked has lost the case too.
    assert client.get(f"/t/{ref.link}").status_code == 404
    assert client.get(f"/track/{ref.number}").headers["Location"].endswith("/track")
    assert client.post(f"/track/{ref.number}/supplement", data={"body": "还在吗"}).status_code == 302
    # The revocation is an internal event on the case, naming the link and never its token.
    with app.app_context():
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == EventKind.LINK_REVOKED.value))
        assert event.ticket_id == ref.id and not event.is_public and ref.link not in event.data
        assert event.details == {"link": f"#{link_id}", "issued_via": "提交回执"}
    # Revoking it again is refused and changes nothing.
    again = staff.post(f"/tickets/{ref.id}/links/{link_id}/revoke", follow_redirects=True)
    assert "这条跟踪链接已于" in again.get_data(as_text=True)
    assert factory.get_ticket(ref.id)["events"].count(EventKind.LINK_REVOKED.value) == 1


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_links_are_rate_limited_like_track(app, factory):
    client = app.test_client()
    # TRACK_RATE_LIMIT is 20 per minute per address: the 21st guess in the minute is refused.
    statuses = [client.get(f"/t/{i:043d}").status_code for i in range(25)]
    assert statuses == [404] * 20 + [429] * 5


# ---- one link, one case ---------------------------------------------------------------------------------------

def test_a_link_of_case_a_never_shows_case_b(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    enterprise = factory.enterprise(secretary)
    a = factory.ticket(S.PROCESSING, secretary=secretary, enterprise_id=enterprise, title="甲案：用电增容")
    b = factory.ticket(S.PROCESSING, secretary=secretary, enterprise_id=enterprise, title="乙案：消防验收")
    staff = login(app.test_client(), secretary)
    staff.post(f"/tickets/{b.id}/actions/reply", data={"body": "乙案的答复"})
    client = app.test_client()
    page = client.get(f"/t/{a.link}").get_data(as_text=True)
    assert "甲案：用电增容" in page and "乙案" not in page and b.number not in page
    # Even a company's own other case stays locked for the holder of this link.
    for url in (f"/track/{b.number}", ):
        assert client.get(url).headers["Location"].endswith("/track")
    assert client.post(f"/track/{b.number}/rate", data={"satisfaction": "5", "solved": "solved"}).status_code == 302
    assert client.post(f"/track/{b.number}/supplement", data={"body": "冒充"}).status_code == 302
    assert "冒充" not in "".join(factory.get_ticket(b.id)["events"])
    # The case it opens works fully: adding information through the page's own form.
    assert client.post(f"/track/{a.number}/supplement", data={"body": "补充了电力设计图"}).status_code == 303
    assert factory.get_ticket(a.id)["events"][-1] == EventKind.SUPPLEMENTED.value


# ---- staff issue and revoke ---------------------------------------------------------------------------------------

def test_the_secretary_issues_a_new_link_shown_once(app, factory, login):
    ref = factory.ticket(S.TRIAGE)
    staff = login(app.test_client(), ref.secretary)
    response = staff.post(f"/tickets/{ref.id}/links")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Referrer-Policy"] == "strict-origin"
    url, token = LINK_RE.search(html).groups()
    svg = re.search(r'<figure class="qr" id="personal-link-qr">(<svg.*?</svg>)</figure>', html, re.S).group(1)
    assert token != ref.link and decode_qr(svg) == [url]
    # The new link opens the case; the receipt's still does too (several links per case).
    assert app.test_client().get(f"/t/{token}").status_code == 200
    assert app.test_client().get(f"/t/{ref.link}").status_code == 200
    # The ticket page lists both links, never a token.
    detail = staff.get(f"/tickets/{ref.id}").get_data(as_text=True)
    panel = re.search(r'<section id="links".*?</section>', detail, re.S).group(0)
    assert panel.count("/revoke") == 2 and "提交回执" in panel and "工作人员发放" in panel
    assert token not in detail and ref.link not in detail
    with app.app_context():
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == EventKind.LINK_ISSUED.value))
        assert event.ticket_id == ref.id and event.actor_id == ref.secretary.id and not event.is_public
        assert token not in event.data and token not in event.body
    # The enterprise's timeline does not show link management.
    assert "发放跟踪链接" not in app.test_client().get(f"/t/{token}").get_data(as_text=True)


def test_only_the_cases_secretary_and_supervisors_manage_links(app, factory, login):
    ref = factory.ticket(S.PROCESSING)
    with app.app_context():
        link_id = db.session.scalar(select(TrackingLink.id).where(TrackingLink.ticket_id == ref.id))
    officer = login(app.test_client(), ref.lead_officer)  # sees the case, may not hand out its links
    other_secretary = login(app.test_client(), factory.user(Role.SECRETARY))
    admin = login(app.test_client(), factory.user(Role.ADMIN))
    for client, status in ((officer, 403), (other_secretary, 404), (admin, 403)):
        assert client.post(f"/tickets/{ref.id}/links").status_code == status
        assert client.post(f"/tickets/{ref.id}/links/{link_id}/revoke").status_code == status
        assert 'id="links"' not in client.get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert factory.count(TrackingLink) == 1
    assert app.test_client().get(f"/t/{ref.link}").status_code == 200  # still open
    # A link of another case cannot be revoked through this one.
    other = factory.ticket(S.PROCESSING, secretary=ref.secretary)
    staff = login(app.test_client(), ref.secretary)
    with app.app_context():
        other_link = db.session.scalar(select(TrackingLink.id).where(TrackingLink.ticket_id == other.id))
    answer = staff.post(f"/tickets/{ref.id}/links/{other_link}/revoke", follow_redirects=True)
    assert "没有找到这条跟踪链接" in answer.get_data(as_text=True)
    assert app.test_client().get(f"/t/{other.link}").status_code == 200


# ---- the function the messaging code calls ----------------------------------------------------------------------

@pytest.mark.app_config(PUBLIC_BASE_URL="https://jianjian.zone.gov.cn/")
def test_personal_link_for_a_message_outside_a_request(app, factory):
    ref = factory.ticket(S.TRIAGE)
    from app.tickets.links import personal_link
    with app.app_context():  # as the outbox worker runs: no request
        ticket = db.session.get(Ticket, ref.id)
        url = personal_link(ticket)
        db.session.commit()  # the caller commits its unit of work
    token = url.removeprefix("https://jianjian.zone.gov.cn/t/")
    assert url.startswith("https://jianjian.zone.gov.cn/t/") and len(token) == 43
    assert app.test_client().get(f"/t/{token}").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == EventKind.LINK_ISSUED.value))
        assert event.actor_id is None and event.actor_name == "系统" and event.details["issued_via"] == "随通知发送"
        # A message that is not sent (its unit of work rolled back) leaves no link behind.
        personal_link(db.session.get(Ticket, ref.id))
        db.session.rollback()
        assert db.session.scalar(select(db.func.count(TrackingLink.id))) == 2  # the receipt's and the one above


def test_personal_link_needs_a_base_url_outside_a_request(app, factory):
    ref = factory.ticket(S.TRIAGE)
    from app.tickets.links import personal_link
    with app.app_context():
        with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
            personal_link(db.session.get(Ticket, ref.id))
        db.session.rollback()


# ---- Referrer-Policy, external links, logs ------------------------------------------------------------------------

def test_pages_holding_a_token_send_only_the_origin_and_link_nowhere_else(client, category, app, factory, login):
    receipt = client.post("/submit", data=form(category))
    token = LINK_RE.search(receipt.get_data(as_text=True)).group(2)
    page = client.get(f"/t/{token}")
    gone = client.get(f"/t/{'B' * 43}")
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id))
    issued = login(app.test_client(), factory.user(Role.SUPERVISOR)).post(f"/tickets/{ticket_id}/links")
    for response in (receipt, page, gone, issued):
        # A Referer leaving these pages is "https://host/" at most: never the path, which holds the token.
        assert response.headers["Referrer-Policy"] == "strict-origin"
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        assert '<meta name="referrer" content="strict-origin">' in html
        # Every link and resource stays on this site (or dials a phone): nothing carries the page's address away.
        for target in re.findall(r'(?:href|src|action)="([^"]*)"', html):
            assert target.startswith(("/", "#", "tel:", "http://localhost/t/")), target
    assert client.get("/track").headers["Referrer-Policy"] == "same-origin"  # elsewhere the site's default


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_link_pages_forms_work_over_https(app, factory):
    # Over HTTPS Flask-WTF refuses a POST whose Referer is missing or from elsewhere. Under the page's policy a
    # browser sends the origin only ("https://localhost/"), which passes; "no-referrer" would send nothing and
    # every form on the page (add information, confirm and rate, the language switch) would fail.
    ref = factory.ticket(S.PROCESSING)
    client = app.test_client()
    page = client.get(f"/t/{ref.link}", base_url="https://localhost").get_data(as_text=True)
    from tests.conftest import csrf_token_from
    data = {"csrf_token": csrf_token_from(page), "body": "补充了电力设计图"}
    url = f"/track/{ref.number}/supplement"
    refused = client.post(url, data=data, base_url="https://localhost")  # as under no-referrer: no Referer
    assert refused.status_code == 400 and factory.get_ticket(ref.id)["events"][-1] != "supplemented"
    sent = client.post(url, data=data, base_url="https://localhost", headers={"Referer": "https://localhost/"})
    assert sent.status_code == 303 and factory.get_ticket(ref.id)["events"][-1] == "supplemented"


def test_tokens_never_reach_the_logs(app, factory, caplog, monkeypatch):
    ref = factory.ticket(S.TRIAGE)
    caplog.set_level(logging.INFO)
    for name in ("werkzeug", "gunicorn.access", app.logger.name):
        # Alembic's logging set-up, run by the test session's migrations, switches existing loggers off;
        # a server process has them on.
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    # The request lines as the development server and gunicorn write them, and an error naming the path.
    logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s %s', "127.0.0.1", "01/Dec/2026 10:00:00",
                                       f"GET /t/{ref.link} HTTP/1.1", "200", "-")
    logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" %(s)s "%(f)s"', {
        "h": "10.0.0.1", "r": f"GET /t/{ref.link}?x=1 HTTP/1.1", "s": "200",
        "f": f"https://jianjian.zone.gov.cn/t/{ref.link}"})
    app.logger.error("Exception on /t/%s [GET]", ref.link)
    assert ref.link not in caplog.text
    assert caplog.text.count("/t/[redacted]") == 4


# ---- codes in groups, a wrong code keeps the number ----------------------------------------------------------------

def test_codes_are_shown_in_groups_that_do_not_break(client, category, app):
    html = client.post("/submit", data=form(category)).get_data(as_text=True)
    cell = re.search(r'id="access-code">(.*?)</dd>', html, re.S).group(1)
    groups = re.findall(r'<span class="code-group">([A-Z2-7]{4}-?)</span>', cell)
    # 28 characters in groups of four: 7 groups, a dash after each but the last, a break chance (<wbr>) between.
    assert len(groups) == 7 and [g.endswith("-") for g in groups] == [True] * 6 + [False]
    assert cell.count("<wbr>") == 6
    css = app.test_client().get("/static/app.css").get_data(as_text=True)
    assert re.search(r"\.code-group\s*\{\s*white-space:\s*nowrap;", css)
    assert "break-all" not in re.search(r"\.code-card dd\.code\s*\{[^}]*\}", css).group(0)


def test_a_wrong_code_keeps_the_number_and_says_what_to_check(app, factory):
    ref = factory.ticket(S.INTAKE)
    client = app.test_client()
    response = client.post("/track", data={"number": ref.number.lower(), "code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGG0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'id="number" [^>]*value="{ref.number.lower()}"', html)  # as typed
    assert not re.search(r'id="code" [^>]*value="[^"]', html)  # the code is not echoed
    for hint in ("跟踪编号或访问码不正确", "JJ-2026-000123", "28 位", "没有 0、1、8、9"):
        assert hint in html, hint


# ---- the secretary, the phone, the department ----------------------------------------------------------------------

def _set_user(app, person, **fields):
    with app.app_context():
        user = db.session.get(User, person.id)
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()


@pytest.mark.app_config(CENTRE_PHONE="0512-66880000")
def test_receipt_and_page_name_the_secretary_phone_and_department(app, factory, category):
    secretary = factory.user(Role.SECRETARY)
    _set_user(app, secretary, display_name="王晓明", office_phone="0512-66880101 转 801")
    enterprise = factory.enterprise(secretary)
    with app.app_context():
        from app.models import Enterprise
        credit_code = db.session.get(Enterprise, enterprise).credit_code
    client = app.test_client()
    receipt = client.post("/submit", data=form(category, credit_code=credit_code)).get_data(as_text=True)
    contact = re.search(r'<dl class="contact-card.*?</dl>', receipt, re.S).group(0)
    assert "王晓明" in contact and 'href="tel:051266880101">0512-66880101 转 801<' in contact
    assert "办公电话" in contact and "承办部门" not in contact  # not dispatched yet
    # Once dispatched, the tracking page also names the lead department.
    dept = factory.department("住建局")
    officer = factory.user(Role.OFFICER, department_id=dept)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, enterprise_id=enterprise, lead_officer=officer)
    page = app.test_client().get(f"/t/{ref.link}").get_data(as_text=True)
    contact = re.search(r'<dl class="contact-card.*?</dl>', page, re.S).group(0)
    assert "王晓明" in contact and "0512-66880101" in contact
    assert re.search(r'id="lead-department">住建局<', contact)


@pytest.mark.app_config(CENTRE_PHONE="0512-66880000")
def test_without_a_secretary_the_centres_phone_is_shown(client, category, app, factory):
    receipt = client.post("/submit", data=form(category)).get_data(as_text=True)  # a company nobody looks after yet
    contact = re.search(r'<dl class="contact-card.*?</dl>', receipt, re.S).group(0)
    assert "尚未指定" in contact and "企业服务中心电话" in contact and "0512-66880000" in contact
    # A secretary without an office phone is named, with the centre's phone to call.
    secretary = factory.user(Role.SECRETARY)
    _set_user(app, secretary, display_name="李娜")
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    contact = re.search(r'<dl class="contact-card.*?</dl>', app.test_client().get(f"/t/{ref.link}")
                        .get_data(as_text=True), re.S).group(0)
    assert "李娜" in contact and "企业服务中心电话" in contact and "0512-66880000" in contact
    # A disabled secretary is never named.
    factory.set_active(secretary, False)
    contact = re.search(r'<dl class="contact-card.*?</dl>', app.test_client().get(f"/t/{ref.link}")
                        .get_data(as_text=True), re.S).group(0)
    assert "李娜" not in contact and "尚未指定" in contact


def test_admin_sets_an_office_phone_and_bad_ones_are_refused(app, factory, login):
    admin = login(app.test_client(), factory.user(Role.ADMIN))
    secretary = factory.user(Role.SECRETARY)
    base = {"display_name": "王晓明", "role": "secretary", "department_id": "", "email": "", "mobile": "",
            "active": "y"}
    bad = admin.post(f"/admin/users/{secretary.id}", data={**base, "office_phone": "call me maybe"})
    assert bad.status_code == 400 and "办公电话只能包含数字" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, secretary.id).office_phone == ""
    assert admin.post(f"/admin/users/{secretary.id}", data={**base, "office_phone": "0512-66880101 转 801"}) \
        .status_code == 303
    with app.app_context():
        assert db.session.get(User, secretary.id).office_phone == "0512-66880101 转 801"
    form_html = admin.get(f"/admin/users/{secretary.id}").get_data(as_text=True)
    assert 'value="0512-66880101 转 801"' in form_html
