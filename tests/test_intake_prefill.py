"""Offline intake helps the secretary: the visit date starts at today, a case found on a visit starts from what the
visit recorded, and the project picker follows the chosen company."""
import re

from sqlalchemy import select

from app.enums import Role
from app.extensions import db
from app.models import Enterprise, Ticket, User, Visit


def _project(app, secretary, enterprise_id, name):
    """A project of the given company, made through the 一表制 verb."""
    from app.projects import services
    with app.test_request_context():
        sec = db.session.get(User, secretary.id)
        return services.create_project(sec, db.session.get(Enterprise, enterprise_id), name=name, investment_wan=5000,
                                       industry="生物医药", park="科技城", leader="").id


def _options(html, select_id):
    """The (value, text) pairs of one <select> on a page."""
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', block)


def test_the_visit_form_starts_at_today_in_beijing(app, factory, login):
    # The test clock stands at 2026-11-16 01:00 UTC, which is 09:00 on Monday 16 November in Beijing.
    secretary = factory.user(Role.SECRETARY)
    html = login(app.test_client(), secretary).get("/visits/new").get_data(as_text=True)
    assert re.search(r'id="visited_on"[^>]*value="2026-11-16"', html) or \
        re.search(r'value="2026-11-16"[^>]*id="visited_on"', html)


def test_a_case_from_a_visit_starts_from_the_visit(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    enterprise = factory.enterprise(secretary)  # the factory's contact: 王经理, 13812345678
    project = _project(app, secretary, enterprise, "生物药中试基地")
    client = login(app.test_client(), secretary)
    client.post("/visits/new", data={"enterprise_id": str(enterprise), "kind": "visit", "visited_on": "2026-11-13",
                                     "summary": "中试车间环评批复迟迟未下"})
    with app.app_context():
        visit_id = db.session.scalar(select(Visit.id))
    html = client.get(f"/tickets/new?visit_id={visit_id}").get_data(as_text=True)
    assert re.search(r'id="contact_name"[^>]*value="王经理"', html)
    assert re.search(r'id="mobile"[^>]*value="13812345678"', html)
    assert "中试车间环评批复迟迟未下</textarea>" in html
    # The company has exactly one project, so it is chosen already.
    assert re.search(rf'<option selected value="{project}"|<option value="{project}" selected', html)


def test_the_project_picker_follows_the_chosen_company(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    mine, other = factory.enterprise(secretary), factory.enterprise(secretary)
    ours = _project(app, secretary, mine, "智能装备产业园")
    theirs = _project(app, secretary, other, "新能源电池项目")
    client = login(app.test_client(), secretary)
    # Before a company is chosen only "无" is offered (a project belongs to one company, and a centre's sheet holds
    # thousands); choosing one (htmx asks the same page with the company) offers "无" and that company's own project.
    assert [v for v, _ in _options(client.get("/tickets/new").get_data(as_text=True), "project_id")] == [""]
    page = client.get(f"/tickets/new?enterprise_id={mine}").get_data(as_text=True)
    assert [v for v, _ in _options(page, "project_id")] == ["", str(ours)]
    assert 'data-hx-select="#project-field"' in page and 'id="project-field"' in page
    # Posting another company's project with this company is refused and records nothing.
    form = {"enterprise_id": str(mine), "channel": "phone", "contact_name": "王经理", "mobile": "13812345678",
            "category_id": str(factory.category()), "urgency": "normal", "title": "用电增容", "description": "需要增容。",
            "project_id": str(theirs)}
    refused = client.post("/tickets/new", data=form)
    assert refused.status_code == 400 and "所选项目不属于该企业" in refused.get_data(as_text=True)
    # A company new to the register has no project yet.
    new_company = dict(form, enterprise_id="", new_enterprise_name="新设企业有限公司", project_id=str(ours))
    refused_new = client.post("/tickets/new", data=new_company)
    assert refused_new.status_code == 400 and "新登记的企业还没有项目" in refused_new.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Ticket.id)) is None
    accepted = client.post("/tickets/new", data=dict(form, project_id=str(ours)))
    assert accepted.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Ticket.project_id)) == ours


def test_a_received_time_in_year_one_is_refused_not_a_server_error(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    enterprise = factory.enterprise(secretary)
    client = login(app.test_client(), secretary)
    answer = client.post("/tickets/new", data={
        "enterprise_id": str(enterprise), "channel": "phone", "contact_name": "王经理", "mobile": "13812345678",
        "category_id": str(factory.category()), "urgency": "normal", "title": "用电增容", "description": "需要增容。",
        "received_at": "0001-01-01 00:00"})
    assert answer.status_code == 400 and "接收时间应在 2000 年以后" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Ticket.id)) is None
