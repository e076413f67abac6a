"""Regressions for the holes an outside attack run found on the newer surfaces (issue 10): evaluation links
reachable with a public credit code, formulas in the invitations CSV, exclusions and appeals shown to every
member of staff, placeholder secret keys, sessions that outlive logout, and case titles on the hall kiosk."""
import csv
import io
import re
import secrets
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import create_app
from app.enums import Role, TicketState as S
from config import Config
from tests.factories import verified_evaluation_token

pytestmark = pytest.mark.security


# ---- 1. evaluation links reach only verified contacts ------------------------------------------------------

def test_a_public_credit_code_never_yields_the_companys_evaluation_link(app, factory, clock):
    from app.assessment import evaluation
    from app.assessment.period import Month
    from app.extensions import db
    from app.models import Enterprise, EnterpriseEvaluation
    secretary = factory.user(Role.SECRETARY)
    served = factory.ticket(S.PROCESSING, secretary=secretary)  # the company had a case served this month
    with app.app_context():
        code = db.session.get(Enterprise, served.enterprise_id).credit_code
    # An outsider who read the credit code off the company's business licence files a case in its name ...
    outsider = app.test_client()
    form = outsider.get("/submit").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form).group(1)
    category_id = re.search(r'<option value="(\d+)"', form[form.index('name="category_id"'):]).group(1)
    page = outsider.post("/submit", data={
        "enterprise_name": "随便写的名字", "credit_code": code, "contact_name": "冒充者", "mobile": "13700000000",
        "category_id": category_id, "urgency": "normal", "title": "冒名提交", "description": "只为拿到这家公司的评价链接而已",
        "submission_key": key}).get_data(as_text=True)
    assert "/evaluate/" not in page
    assert re.search(r"JJ-\d{4}-\d+", page), re.findall(r'invalid-feedback[^>]*>([^<]+)', page) or page[-3000:]
    number = re.search(r"JJ-\d{4}-\d+", page).group(0)
    with app.app_context():
        from app.models import Ticket
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.enterprise_id == served.enterprise_id  # filed under the real company ...
    # ... and neither its tracking page nor the real company's own carries an evaluation link.
    html = outsider.get(f"/track/{number}").get_data(as_text=True)
    assert number in html and "/evaluate/" not in html and "为本月服务打分" not in html
    html = app.test_client().post("/track", data={"number": served.number, "code": served.code},
                                  follow_redirects=True).get_data(as_text=True)
    assert served.number in html and "/evaluate/" not in html

    with app.test_request_context():
        enterprise = db.session.get(Enterprise, served.enterprise_id)
        month = Month.containing(clock.now())
        # Before a supervisor verifies the contact there is no link to send, whoever asks.
        enterprise.contact_verified = False
        db.session.commit()
        assert evaluation.evaluation_token(enterprise, month) is None
        row = next(r for r in evaluation.enterprises_to_invite(month) if r["id"] == enterprise.id)
        assert row["token"] is None and row["verified"] is False
        # A link in the old company-wide shape (no contact in it) is refused.
        old_style = evaluation._serializer().dumps({"e": enterprise.id, "m": str(month)})
        token = verified_evaluation_token(enterprise.id, month)
        db.session.refresh(enterprise)
        contact = (enterprise.contact_name, enterprise.mobile)
    public = app.test_client()
    assert public.get(f"/evaluate/{old_style}").status_code == 404
    marks = {"lawful": "5", "efficiency": "4", "execution": "4", "attitude": "5"}
    one_form = {f"secretary_{secretary.id}-{k}": v for k, v in marks.items()}  # the secretary's fieldset
    assert public.post(f"/evaluate/{token}", data=one_form).status_code == 303
    with app.app_context():
        rating = db.session.scalar(select(EnterpriseEvaluation))
        assert (rating.contact_name, rating.contact_mobile) == contact  # the rating says which contact gave it
        # A supervisor changes the contact: links sent to the previous one stop working.
        enterprise = db.session.get(Enterprise, served.enterprise_id)
        enterprise.mobile = "13911112222"
        db.session.commit()
    assert public.get(f"/evaluate/{token}").status_code == 404


def test_only_a_supervisor_verifies_a_contact(app, factory, login):
    from app.extensions import db
    from app.models import Enterprise
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    enterprise_id = factory.enterprise(secretary)
    data = {"contact_name": "秘书自己", "mobile": "13600000000"}
    assert login(app.test_client(), secretary).post(f"/enterprises/{enterprise_id}/contact",
                                                    data=data).status_code == 403
    with app.app_context():
        assert db.session.get(Enterprise, enterprise_id).contact_verified is False
    sup = login(app.test_client(), supervisor)
    bad = sup.post(f"/enterprises/{enterprise_id}/contact", data={"contact_name": "李经理", "mobile": "12345"},
                   follow_redirects=True)
    assert "请填写正确的 11 位手机号码" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Enterprise, enterprise_id).contact_verified is False  # bad input changes nothing
    assert sup.post(f"/enterprises/{enterprise_id}/contact",
                    data={"contact_name": "李经理", "mobile": "13600000001"}).status_code == 303
    with app.app_context():
        e = db.session.get(Enterprise, enterprise_id)
        assert (e.contact_name, e.mobile, e.contact_verified) == ("李经理", "13600000001", True)


# ---- 2. formula-safe CSV -----------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/","点我")', "@SUM(1+1)", "+1+1", "-2+3", "  =1+1", "＝1+1"]


def test_invitations_csv_writes_formulas_as_text(app, factory):
    from app.assessment.period import Month
    from app.extensions import db
    from app.models import Enterprise
    secretary = factory.user(Role.SECRETARY)
    refs = [factory.ticket(S.TRIAGE, secretary=secretary) for _ in FORMULAS]
    with app.test_request_context():
        for ref, formula in zip(refs, FORMULAS):
            enterprise = db.session.get(Enterprise, ref.enterprise_id)
            enterprise.name, enterprise.contact_name = formula, formula[:40]
            db.session.commit()
            verified_evaluation_token(ref.enterprise_id, Month(2026, 11))
    result = app.test_cli_runner().invoke(args=["assessment", "invitations", "2026-11"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["enterprise", "contact", "mobile", "link"] and len(rows) == len(FORMULAS) + 1
    for row in rows[1:]:
        for cell in row:
            # A spreadsheet runs a cell that starts (after spaces) with = + - @ or their full-width forms.
            assert cell.lstrip(" ")[:1] not in "=+-@＝＋－＠", row
    assert {row[0] for row in rows[1:]} == {"'" + f for f in FORMULAS}


def test_safe_text_rules():
    from app.excel import safe_text
    assert safe_text("=1+1") == "'=1+1" and safe_text("\t=1") == "'\t=1" and safe_text(" @x") == "' @x"
    assert safe_text("苏州某某有限公司") == "苏州某某有限公司" and safe_text(None) == ""


# ---- 3. exclusions and appeals: supervisors, and each unit its own -----------------------------------------

def _published_november_with_an_exclusion_and_an_appeal(app, factory, clock):
    from app.assessment import appeals, publishing
    from app.assessment.period import Month
    from app.extensions import db
    from app.models import Ticket, User
    mine, other, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    officer = factory.user(Role.OFFICER)
    excluded = factory.ticket(S.RESOLVED, secretary=mine, lead_officer=officer, title="被排除的机密事项")
    appealed = factory.ticket(S.RESOLVED, secretary=mine, lead_officer=officer, title="被申诉的机密事项")
    factory.ticket(S.RESOLVED, secretary=other, title="同事自己的事项")
    with app.test_request_context():
        appeals.exclude_ticket(db.session.get(Ticket, excluded.id), db.session.get(User, supervisor.id),
                               "排除理由甲乙丙")
        appeals.file_appeal(db.session.get(Ticket, appealed.id), db.session.get(User, mine.id), "申诉理由丁戊己")
    clock.set(clock.now() + timedelta(days=20))  # December: November can be published
    with app.test_request_context():
        publishing.publish_month(Month(2026, 11), db.session.get(User, supervisor.id))
    return mine, other, supervisor, officer, excluded, appealed


def test_exclusions_and_appeals_are_shown_to_supervisors_and_to_their_own_unit_only(app, factory, login, clock):
    mine, other, supervisor, officer, excluded, appealed = \
        _published_november_with_an_exclusion_and_an_appeal(app, factory, clock)
    secret_bits = [excluded.number, "被排除的机密事项", "排除理由甲乙丙", appealed.number, "被申诉的机密事项",
                   "申诉理由丁戊己"]

    def seen(person):
        client = login(app.test_client(), person)
        pages = [client.get(url) for url in ("/assessment/2026-11", "/assessment/2026-11/report")]
        assert all(p.status_code == 200 for p in pages), [p.status_code for p in pages]
        text = "".join(p.get_data(as_text=True) for p in pages)
        book = load_workbook(io.BytesIO(client.get("/assessment/2026-11/report.xlsx").data))
        text += "".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
        return {bit for bit in secret_bits if bit in text}

    # A colleague who gets 404 for both tickets reads nothing of them.
    assert seen(other) == set()
    # The secretary of both tickets reads the exclusion of their ticket and their own appeal.
    assert seen(mine) == set(secret_bits)
    # The department led both cases: it reads the exclusion, not the secretary's appeal.
    assert seen(officer) == {excluded.number, "被排除的机密事项", "排除理由甲乙丙"}
    assert seen(supervisor) == set(secret_bits)
    # Admins run the system, not the assessment: neither the lists nor a unit's drill-down.
    admin = factory.user(Role.ADMIN)
    assert seen(admin) == set()
    client = login(app.test_client(), admin)
    assert client.get(f"/assessment/2026-11/secretary/{mine.id}/on_time").status_code == 403
    assert appealed.number not in client.get("/assessment/appeals").get_data(as_text=True)


# ---- 5. production refuses published and weak secret keys --------------------------------------------------

@pytest.mark.parametrize("key", [
    "change-me-to-64-random-characters-from-python-secrets-token-urlsafe",  # the old deploy example
    "dev-only-not-secret", "test-secret-key", "x" * 64, "abcdefghijklmnopqrstuvwxyz0123456789",
    "0123456789" * 4, "my-jianjian-production-secret-2026!!", "",
])
def test_production_refuses_a_placeholder_or_low_entropy_secret_key(database, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY=key)


def test_production_starts_with_a_generated_key_and_the_example_names_none(database):
    for key in (secrets.token_urlsafe(32), secrets.token_urlsafe(48), secrets.token_hex(32)):
        create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY=key)
    from config import BASE_DIR
    example = (BASE_DIR / "deploy" / "jianjian.env.example").read_text()
    assert "\nSECRET_KEY=\n" in example  # nothing to copy: the operator must generate one


def test_without_a_secret_key_each_instance_generates_its_own_and_production_refuses_it(database, tmp_path,
                                                                                     monkeypatch):
    import config
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = create_app(Config, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY=None)
    again = create_app(Config, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY=None)
    key = first.config["SECRET_KEY"]
    # Not a key printed anywhere: generated, kept for the instance (the same after a restart), owner-only.
    assert key not in config.KNOWN_PLACEHOLDER_KEYS and config.secret_key_problem(key) is None
    assert again.config["SECRET_KEY"] == key == (tmp_path / "secret_key").read_text().strip()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(Config, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY=None, ENV="production")


@pytest.mark.parametrize("token", ["x" * 24, "hall", "abcdefghijklmnopqrstuvwxyz", "kiosk-token-for-the-hall-2026"])
def test_production_refuses_a_guessable_kiosk_token(database, token):
    with pytest.raises(RuntimeError, match="KIOSK_TOKEN"):
        create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                   KIOSK_TOKEN=token)
    create_app(Config, SQLALCHEMY_DATABASE_URI=database, ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
               KIOSK_TOKEN=secrets.token_urlsafe(24))


# ---- 7. logout ends the session on the server ---------------------------------------------------------------

def test_a_cookie_copied_before_logout_no_longer_opens_anything(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    browser = login(app.test_client(), secretary)
    assert browser.get("/workspace").status_code == 200
    stolen = browser.get_cookie("session").value
    # A second browser of the same person stays signed in after the first logs out.
    other_device = login(app.test_client(), secretary)
    assert browser.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/workspace")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert other_device.get("/workspace").status_code == 200


# ---- 8. the hall kiosk shows no titles ----------------------------------------------------------------------

@pytest.mark.app_config(KIOSK_TOKEN="hall-screen-token-0123456789")
def test_the_hall_kiosk_shows_numbers_categories_and_departments_but_no_titles(app, factory, clock):
    from app.supervision.sweep import sweep
    late = factory.ticket(S.TRIAGE, title="某公司用电增容机密标题")
    clock.set(clock.now() + timedelta(days=10))  # long past the first-reply deadline
    with app.app_context():
        sweep(clock.now())
    kiosk = app.test_client()
    for url in ("/hall?token=hall-screen-token-0123456789", "/hall/panel?token=hall-screen-token-0123456789"):
        html = kiosk.get(url).get_data(as_text=True)
        assert late.number in html, url  # the case is on the board ...
        assert "机密标题" not in html and "用电增容" not in html, url  # ... but not what it is about


# ---- the README lists every page an outsider can reach -----------------------------------------------------

def test_the_readme_lists_every_page_an_outsider_can_reach(app):
    from config import BASE_DIR
    from tests.test_permissions import MATRIX
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## What an outsider can reach", 1)[1].split("\n## ", 1)[0]
    listed = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            listed |= {re.sub(r"\?.*$", "", p) for p in re.findall(r"`(/[^`]*)`", line.split("|")[1])}
    outsiders = ("anonymous", "enterprise_right", "enterprise_wrong", "enterprise_sms")
    reachable = {endpoint for (endpoint, _method), who in MATRIX.items() if any(who[r] == "ok" for r in outsiders)}
    reachable |= {"assessment.hall", "assessment.hall_panel"}  # with the kiosk token, tested above
    rules = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "<id>" if m.group(1).endswith("_id") else f"<{m.group(1)}>",
                      rule.rule)
        rules.setdefault(rule.endpoint, set()).add(path)
    documented = {p.replace("…", "").rstrip("/") or "/" for p in listed}
    missing = []
    for endpoint in sorted(reachable):
        for path in rules[endpoint]:
            prefix = path.split("<", 1)[0].rstrip("/") or "/"
            if path not in listed and prefix not in documented:
                missing.append(f"{endpoint} {path}")
    assert missing == [], "pages an outsider can reach that README.md does not list"
