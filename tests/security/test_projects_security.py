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
