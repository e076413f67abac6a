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
