"""Security regressions for 一表制 and 代办: dates far out of range, edits by someone else's secretary (and the
record every edit leaves), and query strings splatted into url_for on the project pages."""
import re
import time
from datetime import date

import pytest
from sqlalchemy import select

from app.enums import Role
from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.models import Enterprise, Milestone, Procedure, ProcedureType, Project, ProjectStage, User

pytestmark = pytest.mark.security

# The clock fixture freezes "today" at Monday 2026-11-16 in Beijing.
TODAY = date(2026, 11, 16)
# What a service centre can plan: from 2000 up to ten years ahead. What already happened: from 2000 up to today.
EARLIEST, LATEST_PLAN = date(2000, 1, 1), date(2036, 11, 16)


def _stages(app):
    with app.app_context():
        return {s.code: s.id for s in db.session.scalars(select(ProjectStage))}


def _project(app, factory, secretary, dates=None, name="智能制造产业园"):
    """A project of `secretary` with {stage code: (planned, actual)} saved through the service."""
    from app.projects import services
    enterprise_id = factory.enterprise(secretary)
    stages = _stages(app)
    with app.test_request_context():
        sec = db.session.get(User, secretary.id)
        project = services.create_project(sec, db.session.get(Enterprise, enterprise_id), name=name,
                                          investment_wan=20000, industry="装备制造", park="科技城", leader="")
        if dates:
            services.set_milestones(sec, project, {stages[c]: v for c, v in dates.items()})
        return project.id


def _procedure(app, secretary, project_id, code="construction_permit", department_id=None):
    """A procedure for the project, registered by `secretary`, issued by `department_id`."""
    from app.projects import services
    with app.test_request_context():
        kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == code))
        kind.department_id = department_id
        db.session.commit()
        project = db.session.get(Project, project_id)
        return services.create_procedure(db.session.get(User, secretary.id), project.enterprise, kind.id,
                                         project=project).id


def _milestones(app, project_id):
    with app.app_context():
        return sorted((m.stage_id, m.planned_on, m.actual_on)
                      for m in db.session.scalars(select(Milestone).where(Milestone.project_id == project_id)))


def _procedure_row(app, procedure_id):
    with app.app_context():
        p = db.session.get(Procedure, procedure_id)
        return p.status, p.submitted_on, p.approved_on, p.due_on, p.note


def _milestone_form(stages, **fields):
    """A full milestone form: every stage blank unless given as planned_<code> / actual_<code>."""
    data = {}
    for code, stage_id in stages.items():
        data[f"planned_{stage_id}"] = fields.get(f"planned_{code}", "")
        data[f"actual_{stage_id}"] = fields.get(f"actual_{code}", "")
    return data


# ---- 6. dates far out of range ------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, words", [
    ("planned_complete", "9999-12-31", ["竣工", "2000-01-01", "2036-11-16"]),
    ("planned_complete", "2036-11-17", ["竣工", "2000-01-01", "2036-11-16"]),
    ("planned_complete", "1999-12-31", ["竣工", "2000-01-01"]),
    ("actual_sign", "0001-01-01", ["签约", "2000-01-01", "不能晚于今天"]),
    ("actual_sign", "1999-12-31", ["签约", "2000-01-01"]),
    ("actual_sign", "2026-11-17", ["签约", "不能晚于今天"]),
])
def test_milestone_dates_out_of_range_are_refused_and_change_nothing(app, factory, login, clock, field, value,
                                                                     words):
    secretary = factory.user(Role.SECRETARY)
    project_id = _project(app, factory, secretary, {"sign": (date(2026, 1, 5), date(2026, 1, 9))})
    stages = _stages(app)
    before = _milestones(app, project_id)
    client = login(app.test_client(), secretary)
    form = _milestone_form(stages, planned_sign="2026-01-05", actual_sign="2026-01-09", planned_start="2027-03-01")
    form[f"{field.split('_')[0]}_{stages[field.split('_')[1]]}"] = value
    response = client.post(f"/projects/{project_id}/milestones", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for word in words:
        assert word in html, (word, value)
    assert _milestones(app, project_id) == before  # nothing saved, not even the valid start date


def test_milestone_dates_on_the_edges_of_the_range_are_accepted(app, factory, login, clock):
    secretary = factory.user(Role.SECRETARY)
    project_id = _project(app, factory, secretary)
    stages = _stages(app)
    client = login(app.test_client(), secretary)
    response = client.post(f"/projects/{project_id}/milestones", data=_milestone_form(
        stages, planned_sign="2000-01-01", actual_sign="2000-01-01", planned_land="2036-11-16",
        actual_land=TODAY.isoformat()))
    assert response.status_code == 303
    saved = {s: (p, a) for s, p, a in _milestones(app, project_id)}
    assert saved[stages["sign"]] == (EARLIEST, EARLIEST)
    assert saved[stages["land"]] == (LATEST_PLAN, TODAY)


def test_the_service_refuses_out_of_range_dates_from_any_caller(app, factory, clock):
    """Not only the page: every caller of the service functions is held to the same range."""
    from app.projects import services
    secretary = factory.user(Role.SECRETARY)
    project_id = _project(app, factory, secretary)
    procedure_id = _procedure(app, secretary, project_id)
    stages = _stages(app)
    bad_milestones = [{stages["sign"]: (date(9999, 12, 31), None)}, {stages["sign"]: (date(1, 1, 1), None)},
                      {stages["sign"]: (None, date(1, 1, 1))}, {stages["sign"]: (None, date(1999, 12, 31))}]
    bad_procedures = [dict(status="submitted", submitted_on=date(1, 1, 1)),
                      dict(status="submitted", submitted_on=date(1999, 12, 31)),
                      dict(status="submitted", submitted_on=date(9999, 12, 31)),
                      dict(status="approved", submitted_on=date(1999, 12, 1), approved_on=date(1999, 12, 31)),
                      dict(status="approved", submitted_on=date(2026, 11, 2), approved_on=date(9999, 12, 31)),
                      dict(status="preparing", submitted_on=date(1, 1, 1))]
    with app.test_request_context():
        sec = db.session.get(User, secretary.id)
        for dates in bad_milestones:
            with pytest.raises(ValidationFailed):
                services.set_milestones(sec, db.session.get(Project, project_id), dates)
            db.session.rollback()
        for kwargs in bad_procedures:
            with pytest.raises(ValidationFailed) as refused:
                services.update_procedure(sec, db.session.get(Procedure, procedure_id), **kwargs)
            assert "2000-01-01" in refused.value.message or "今天" in refused.value.message, kwargs
            db.session.rollback()
    assert all(p is None and a is None for _, p, a in _milestones(app, project_id))
    assert _procedure_row(app, procedure_id) == ("not_started", None, None, None, "")


def test_procedure_dates_out_of_range_are_refused_on_the_page(app, factory, login, clock):
    secretary = factory.user(Role.SECRETARY)
    project_id = _project(app, factory, secretary)
    procedure_id = _procedure(app, secretary, project_id)
    client = login(app.test_client(), secretary)
    for data in ({"status": "submitted", "submitted_on": "0001-01-01"},
                 {"status": "approved", "submitted_on": "2026-11-02", "approved_on": "9999-12-31"}):
        response = client.post(f"/procedures/{procedure_id}", data=data, follow_redirects=True)
        assert response.status_code == 200 and "2000-01-01" in response.get_data(as_text=True), data
        assert _procedure_row(app, procedure_id) == ("not_started", None, None, None, "")


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_out_of_range_rows_already_stored_break_no_page(app, factory, login, clock):
    """Rows stored before the range was enforced: every page still answers, quickly, and no figure counts them."""
    secretary = factory.user(Role.SECRETARY)
    fine = _project(app, factory, secretary, {"sign": (date(2026, 2, 1), date(2026, 2, 13)),
                                              "start": (date(2026, 2, 20), date(2026, 2, 24))}, name="正常项目")
    odd = _project(app, factory, secretary, name="历史脏数据项目")
    permit = _procedure(app, secretary, odd)
    stages = _stages(app)
    with app.app_context():  # written straight to the database, the way old rows got there
        for m in db.session.scalars(select(Milestone).where(Milestone.project_id == odd)):
            code = next(c for c, i in stages.items() if i == m.stage_id)
            m.planned_on, m.actual_on = {"sign": (date(2026, 1, 1), date(1, 1, 1)),
                                         "land": (date(1, 1, 1), date(1, 1, 1)),
                                         "start": (date(2026, 5, 1), date(2026, 5, 6)),
                                         "complete": (date(9999, 12, 31), None),
                                         "production": (date(1, 1, 1), date(9999, 12, 31))}[code]
        p = db.session.get(Procedure, permit)
        p.status, p.submitted_on, p.approved_on, p.due_on = "approved", date(1, 1, 1), date(2026, 10, 12), \
            date(9999, 12, 31)
        db.session.commit()
    client = login(app.test_client(), secretary)
    for url in ("/projects", "/projects?year=2026", "/projects?year=2026&only_year=1", "/projects/gantt",
                "/projects/gantt?year=2026&only_year=1", "/projects/figures/sign_to_start",
                "/projects/figures/land_to_permit", "/projects/figures/in_production", "/projects/sheet.xlsx",
                f"/projects/{odd}", f"/projects/{fine}", "/procedures"):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, url
        assert elapsed < 1.0, f"{url} took {elapsed:.2f} s"
    assert "历史脏数据项目" in client.get("/projects/gantt").get_data(as_text=True)
    sheet = client.get("/projects").get_data(as_text=True)
    assert "0001-01-01" in sheet and "9999-12-31" in sheet  # shown as they are, not as "01-01-01"
    # A year-1 signing or land date is not a fact to average: only the sound project counts.
    for key in ("sign_to_start", "land_to_permit"):
        assert "历史脏数据项目" not in client.get(f"/projects/figures/{key}").get_data(as_text=True), key
    assert "正常项目" in client.get("/projects/figures/sign_to_start").get_data(as_text=True)


# ---- 9. only the owning secretary (and supervisors) edit, and every edit is recorded -------------------------

def test_another_secretary_cannot_rewrite_project_dates(app, factory, login, clock):
    owner, other = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    supervisor = factory.user(Role.SUPERVISOR)
    project_id = _project(app, factory, owner, {"sign": (date(2026, 1, 5), date(2026, 1, 9))})
    stages = _stages(app)
    before = _milestones(app, project_id)
    client = login(app.test_client(), other)
    for form in (_milestone_form(stages, planned_sign="2026-06-01", actual_sign="2026-06-02"),
                 _milestone_form(stages),  # clearing everything
                 _milestone_form(stages, planned_sign="不是日期")):  # refused before the input is even read
        response = client.post(f"/projects/{project_id}/milestones", data=form)
        assert response.status_code in (403, 404)
        assert _milestones(app, project_id) == before
    from app.projects import services
    with app.test_request_context():
        with pytest.raises(NotAllowed):
            services.set_milestones(db.session.get(User, other.id), db.session.get(Project, project_id),
                                    {stages["sign"]: (date(2026, 6, 1), None)})
        db.session.rollback()
    assert _milestones(app, project_id) == before
    # The owner and a supervisor may.
    assert login(app.test_client(), owner).post(f"/projects/{project_id}/milestones", data=_milestone_form(
        stages, planned_sign="2026-01-05", actual_sign="2026-01-09", planned_land="2026-12-01")).status_code == 303
    assert login(app.test_client(), supervisor).post(f"/projects/{project_id}/milestones", data=_milestone_form(
        stages, planned_sign="2026-01-05", actual_sign="2026-01-09", planned_land="2026-12-20")).status_code == 303
    saved = {s: (p, a) for s, p, a in _milestones(app, project_id)}
    assert saved[stages["land"]] == (date(2026, 12, 20), None)


def test_another_secretary_cannot_change_a_procedure(app, factory, login, clock):
    owner, other = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    officer, outsider = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    supervisor = factory.user(Role.SUPERVISOR)
    project_id = _project(app, factory, owner)
    procedure_id = _procedure(app, owner, project_id, department_id=officer.department_id)
    before = _procedure_row(app, procedure_id)
    for data in ({"status": "approved", "submitted_on": "2026-11-02", "approved_on": "2026-11-13", "note": "已办结"},
                 {"status": "rejected", "submitted_on": "2026-11-02"}, {"status": "preparing", "note": "改备注"},
                 {"status": "bogus"}):
        for person in (other, outsider):
            response = login(app.test_client(), person).post(f"/procedures/{procedure_id}", data=data)
            assert response.status_code in (403, 404), (person.role, data)
        assert _procedure_row(app, procedure_id) == before
    from app.projects import services
    with app.test_request_context():
        with pytest.raises(NotAllowed):
            services.update_procedure(db.session.get(User, other.id), db.session.get(Procedure, procedure_id),
                                      status="preparing", note="越权")
        db.session.rollback()
    assert _procedure_row(app, procedure_id) == before
    # The issuing department's officer, the owner and a supervisor may.
    assert login(app.test_client(), officer).post(f"/procedures/{procedure_id}", data={
        "status": "submitted", "submitted_on": "2026-11-02"}).status_code == 303
    assert _procedure_row(app, procedure_id)[:2] == ("submitted", date(2026, 11, 2))
    assert login(app.test_client(), owner).post(f"/procedures/{procedure_id}", data={
        "status": "submitted", "submitted_on": "2026-11-03"}).status_code == 303
    assert login(app.test_client(), supervisor).post(f"/procedures/{procedure_id}", data={
        "status": "approved", "submitted_on": "2026-11-03", "approved_on": "2026-11-13"}).status_code == 303
    assert _procedure_row(app, procedure_id)[:3] == ("approved", date(2026, 11, 3), date(2026, 11, 13))


def test_every_project_and_procedure_change_is_recorded_and_shown(app, factory, login, clock):
    from app.models.project import ProjectChange
    owner = factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER)
    supervisor = factory.user(Role.SUPERVISOR)
    with app.app_context():
        db.session.get(User, supervisor.id).display_name = "周督办"
        db.session.get(User, officer.id).display_name = "吴经办"
        db.session.commit()
    project_id = _project(app, factory, owner)
    procedure_id = _procedure(app, owner, project_id, department_id=officer.department_id)
    stages = _stages(app)

    def changes():
        with app.app_context():
            return [(c.actor_id, c.project_id, c.procedure_id, c.stage_id, c.field, c.old_value, c.new_value, c.at)
                    for c in db.session.scalars(select(ProjectChange).order_by(ProjectChange.id))
                    if c.field != "created"]

    sup = login(app.test_client(), supervisor)
    sup.post(f"/projects/{project_id}/milestones", data=_milestone_form(stages, planned_land="2026-12-01"))
    sup.post(f"/projects/{project_id}/milestones", data=_milestone_form(stages, planned_land="2026-12-15",
                                                                        actual_sign="2026-11-10"))
    sup.post(f"/projects/{project_id}/milestones", data=_milestone_form(stages, planned_land="2026-12-15",
                                                                        actual_sign="2026-11-10"))  # no change
    now = clock.now()
    land, sign = stages["land"], stages["sign"]
    assert changes() == [
        (supervisor.id, project_id, None, land, "planned_on", "", "2026-12-01", now),
        (supervisor.id, project_id, None, sign, "actual_on", "", "2026-11-10", now),  # stages in sheet order
        (supervisor.id, project_id, None, land, "planned_on", "2026-12-01", "2026-12-15", now)]
    login(app.test_client(), officer).post(f"/procedures/{procedure_id}", data={
        "status": "submitted", "submitted_on": "2026-11-02", "note": "材料已齐"})
    recorded = {c[4]: c for c in changes()[3:]}
    assert recorded["status"][:7] == (officer.id, project_id, procedure_id, None, "status", "not_started",
                                      "submitted")
    assert recorded["submitted_on"][5:7] == ("", "2026-11-02")
    assert recorded["note"][5:7] == ("", "材料已齐")
    # Shown to people: on the project page and on the procedure's row in the list.
    page = login(app.test_client(), owner).get(f"/projects/{project_id}").get_data(as_text=True)
    history = page[page.index('id="changes"'):]
    for text in ("周督办", "吴经办", "拿地", "2026-12-01", "2026-12-15", "2026-11-10", "已报审", "材料已齐"):
        assert text in history, text
    listing = login(app.test_client(), owner).get("/procedures").get_data(as_text=True)
    row = listing[listing.index(f'id="procedure-{procedure_id}-changes"'):]
    assert "吴经办" in row and "已报审" in row and "2026-11-02" in row


# ---- 10. query strings are never splatted into url_for --------------------------------------------------------

@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_odd_query_keys_do_not_break_or_rewrite_the_project_pages(app, factory, login, clock):
    secretary = factory.user(Role.SECRETARY)
    _project(app, factory, secretary, {"sign": (date(2026, 1, 5), date(2026, 1, 9))})
    client = login(app.test_client(), secretary)
    pages = ("/projects", "/projects/gantt", "/projects/figures/start_rate")
    for page in pages:
        for query in ("key=x", "endpoint=x", "_method=POST", "values=x", "project_id=1", "filename=x",
                      "_external=1", "_external=1&_scheme=javascript", "_anchor=x", "year=abc", "secretary=abc"):
            assert client.get(f"{page}?{query}").status_code == 200, (page, query)
    query = (f"park=科技城&industry=装备制造&secretary={secretary.id}&year=2026&only_year=1"
             "&_external=1&_scheme=javascript&_anchor=top&evil=1")
    for page in pages:
        html = client.get(f"{page}?{query}").get_data(as_text=True)
        links = [h for h in re.findall(r'href="([^"]*)"', html) if "/projects" in h]
        assert links, page
        for link in links:
            assert link.startswith("/") and "#" not in link and "javascript" not in link, (page, link)
            assert "_external" not in link and "_scheme" not in link and "evil" not in link, (page, link)
        kept = [h for h in links if "year=2026" in h]
        assert kept, page  # the filters themselves are carried on
        assert all("only_year=1" in h and f"secretary={secretary.id}" in h and "park=" in h for h in kept), page


def test_only_those_who_move_a_procedure_on_upload_to_it_and_each_file_is_recorded(app, factory, login):
    import io
    from app.models import ProcedureDocument
    from app.models.project import ProjectChange
    owner, other = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    project_id = _project(app, factory, owner)
    procedure_id = _procedure(app, owner, project_id)
    pdf = (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "施工许可申请表.pdf")
    refused = login(app.test_client(), other).post(f"/procedures/{procedure_id}/documents",
                                                   content_type="multipart/form-data", data={"documents": [pdf]})
    assert refused.status_code in (403, 404)
    page = login(app.test_client(), other).get(f"/projects/{project_id}").get_data(as_text=True)
    assert f"/procedures/{procedure_id}/documents" not in page  # no upload form for those who may not
    ok = login(app.test_client(), owner).post(f"/procedures/{procedure_id}/documents",
                                              content_type="multipart/form-data",
                                              data={"documents": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "施工许可申请表.pdf")]})
    assert ok.status_code == 303
    with app.app_context():
        assert [d.original_name for d in db.session.scalars(select(ProcedureDocument))] == ["施工许可申请表.pdf"]
        uploads = db.session.scalars(select(ProjectChange).where(ProjectChange.field == "document")).all()
        assert [(c.actor_id, c.new_value) for c in uploads] == [(owner.id, "施工许可申请表.pdf")]


def test_a_procedures_note_can_be_cleared(app, factory, login):
    owner = factory.user(Role.SECRETARY)
    procedure_id = _procedure(app, owner, _project(app, factory, owner))
    client = login(app.test_client(), owner)
    assert client.post(f"/procedures/{procedure_id}", data={"status": "preparing", "note": "等待企业盖章"}).status_code == 303
    assert _procedure_row(app, procedure_id)[4] == "等待企业盖章"
    assert client.post(f"/procedures/{procedure_id}", data={"status": "preparing", "note": ""}).status_code == 303
    assert _procedure_row(app, procedure_id)[4] == ""  # emptied on purpose, not the old note back
    assert client.post(f"/procedures/{procedure_id}", data={"status": "preparing"}).status_code == 303
    assert _procedure_row(app, procedure_id)[4] == ""  # a form without the field changes nothing
