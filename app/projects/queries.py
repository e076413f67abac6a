"""What the 一表制 and 代办 pages read: the sheet's projects and filter choices, a project's tickets, the
procedures a person may see, and the catalogue."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, extract, func, or_, select
from sqlalchemy.orm import selectinload

from app.enums import ProcedureStatus, Role
from app.extensions import db
from app.models import (Milestone, Procedure, ProcedureDocument, ProcedureType, Project, ProjectStage, Ticket,
                        User)
from app.models.project import CONSTRUCTION_PERMIT
from app.tickets.access import visible_filter

PROJECT_ROLES = (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN)


def _under_filters(query, f):
    """`query` (over projects) narrowed by the sheet's filters: park, industry, secretary; with only_year, projects
    with a planned or actual date in the year, or no dates at all."""
    if f["park"]:
        query = query.where(Project.park == f["park"])
    if f["industry"]:
        query = query.where(Project.industry == f["industry"])
    if f["secretary"]:
        query = query.where(Project.secretary_id == f["secretary"])
    if f.get("only_year"):
        first, after = date(f["year"], 1, 1), date(f["year"] + 1, 1, 1)
        dated_in_year = exists().where(Milestone.project_id == Project.id, or_(
            and_(Milestone.planned_on >= first, Milestone.planned_on < after),
            and_(Milestone.actual_on >= first, Milestone.actual_on < after)))
        query = query.where(or_(~exists().where(Milestone.project_id == Project.id), dated_in_year))
    return query


def _with_sheet_rows():
    # A row shows each stage's dates by its column (stage id), and no procedure: loading each milestone's stage and
    # every procedure with its type cost a third of the page, and of the Excel export (bench/README.md).
    return selectinload(Project.milestones), selectinload(Project.enterprise), selectinload(Project.secretary)


def sheet_projects(f) -> list:
    """Every project on the sheet under the filters `f`, with everything the sheet shows loaded (the Excel export
    and the wall chart's page)."""
    return db.session.scalars(_under_filters(select(Project), f).options(*_with_sheet_rows())
                              .order_by(Project.id)).all()


def sheet_page(f, page: int, per_page: int):
    """One page of the sheet's projects under the filters, in the sheet's order, as a tickets.queries.Page (a page
    past the last shows the last)."""
    from app.tickets.queries import Page, clamp_page

    total = db.session.scalar(select(func.count()).select_from(_under_filters(select(Project.id), f).subquery()))
    page, clamped_from = clamp_page(page, total, per_page)
    rows = db.session.scalars(_under_filters(select(Project), f).options(*_with_sheet_rows())
                              .order_by(Project.id).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(rows, total, page, per_page, clamped_from=clamped_from)


@dataclass(slots=True)
class StageDates:
    """A stage's planned and actual dates."""

    planned_on: date | None
    actual_on: date | None


@dataclass(slots=True)
class ProjectDates:
    """What the sheet's figures read of a project, without building it: its stages' dates by stage code and the
    approval dates of its construction permits. Loading 10,000 projects with their milestones and procedures as
    ORM objects took 0.75 s for figures that need a few dates of each."""

    id: int
    stages: dict = field(default_factory=dict)
    permits: list = field(default_factory=list)

    def milestone(self, code):
        """The stage's dates, if it is planned (as Project.milestone)."""
        return self.stages.get(code)

    def permit_approvals(self) -> list:
        """When its construction permits were approved (as Project.permit_approvals)."""
        return self.permits


# The stages whose actual date in a year, besides a 施工许可证 approved in it, puts a project in that year's figures.
FIGURE_STAGES = ("sign", "start", "production")


def _in_year_figures(year: int):
    """Projects the year's figures can count (services.figures, report.report_figures): one signed, started or in
    production in the year, or with a construction permit approved in it. A superset: the figures still test each
    date (it must be one a person could type), but a project with none of these dates in the year counts nowhere."""
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    staged = (select(Milestone.project_id).join(ProjectStage, ProjectStage.id == Milestone.stage_id)
              .where(ProjectStage.code.in_(FIGURE_STAGES), Milestone.actual_on >= first, Milestone.actual_on < after))
    permitted = (select(Procedure.project_id).join(ProcedureType, ProcedureType.id == Procedure.type_id)
                 .where(ProcedureType.code == CONSTRUCTION_PERMIT, Procedure.approved_on >= first,
                        Procedure.approved_on < after, Procedure.project_id.is_not(None)))
    return Project.id.in_(staged.union(permitted))


def sheet_dates(f) -> list[ProjectDates]:
    """The dates of the projects on the sheet under the filters that the figures of the year `f["year"]` can count,
    in the sheet's order (a project put on the sheet between these reads is left out of them)."""
    # Only the year's projects: reading all 10,000 with every date, for figures most of them cannot enter, took
    # 195 ms on SQLite at 1,000,000 cases (bench/README.md).
    ids = _under_filters(select(Project.id), f).where(_in_year_figures(f["year"]))
    return _dated({i: ProjectDates(i) for i in db.session.scalars(ids.order_by(Project.id))}, ids)


def project_dates(ids: list[int]) -> list[ProjectDates]:
    """The dates of the projects `ids`, in that order (a page of a figure's drill-down)."""
    return _dated({i: ProjectDates(i) for i in ids}, list(ids))


def _dated(found: dict, ids) -> list[ProjectDates]:
    """`found` (project id -> ProjectDates) filled with the stage dates and permits of the projects `ids` (a select
    or a list)."""
    for project_id, code, planned_on, actual_on in db.session.execute(
            select(Milestone.project_id, ProjectStage.code, Milestone.planned_on, Milestone.actual_on)
            .join(ProjectStage, ProjectStage.id == Milestone.stage_id).where(Milestone.project_id.in_(ids))
            .order_by(Milestone.id)):
        if project_id in found:
            found[project_id].stages.setdefault(code, StageDates(planned_on, actual_on))
    for project_id, approved_on in db.session.execute(
            select(Procedure.project_id, Procedure.approved_on).join(ProcedureType, ProcedureType.id == Procedure.type_id)
            .where(ProcedureType.code == CONSTRUCTION_PERMIT, Procedure.project_id.in_(ids)).order_by(Procedure.id)):
        if project_id in found:
            found[project_id].permits.append(approved_on)
    return list(found.values())


def projects_by_id(ids) -> dict:
    """Projects with their enterprise, by id (a figure's drill-down)."""
    return {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(list(ids)))
                                                .options(selectinload(Project.enterprise)))} if ids else {}


def secretaries() -> list:
    """Every project secretary, by name (the filters' choices)."""
    return db.session.scalars(select(User).where(User.role == Role.SECRETARY.value)
                              .order_by(User.display_name)).all()


def sheet_choices():
    """(parks, industries, secretaries) the sheet can be filtered by."""
    parks = sorted({p for p in db.session.scalars(select(Project.park).distinct()) if p})
    industries = sorted({p for p in db.session.scalars(select(Project.industry).distinct()) if p})
    return parks, industries, secretaries()


def active_procedure_types() -> list:
    """The procedure types one may start now."""
    return db.session.scalars(select(ProcedureType).where(ProcedureType.is_active.is_(True))
                              .order_by(ProcedureType.id)).all()


def procedure_types() -> list:
    """The whole catalogue, retired types too."""
    return db.session.scalars(select(ProcedureType).order_by(ProcedureType.id)).all()


def project_tickets(user, project) -> list:
    """The tickets raised on a project that `user` may see."""
    return db.session.scalars(select(Ticket).where(Ticket.project_id == project.id, visible_filter(user))
                              .order_by(Ticket.id)).all()


def visible_procedures(user):
    """A query of the procedures `user` may see: officers their department's, project staff all, others none."""
    query = select(Procedure).options(selectinload(Procedure.type), selectinload(Procedure.enterprise),
                                      selectinload(Procedure.secretary), selectinload(Procedure.project),
                                      selectinload(Procedure.changes))
    if user.is_officer:
        query = query.where(Procedure.type_id.in_(select(ProcedureType.id).where(
            ProcedureType.department_id == user.department_id)))
    elif not user.has_role(*PROJECT_ROLES):
        query = query.where(Procedure.id.is_(None))
    return query


PROCEDURES_PER_PAGE = 50


def procedure_rows(user, *, status="", secretary=None, department=None, page=1):
    """One page of the 代办 list: visible procedures by status, secretary and issuing department, soonest due
    first, as a tickets.queries.Page (a page past the last shows the last)."""
    from app.tickets.queries import Page, clamp_page

    # Each row also shows its type's department and its files.
    query = visible_procedures(user).options(selectinload(Procedure.type).joinedload(ProcedureType.department),
                                             selectinload(Procedure.documents))
    if ProcedureStatus.get(status):
        query = query.where(Procedure.status == status)
    if secretary:
        query = query.where(Procedure.secretary_id == secretary)
    if department:
        query = query.where(Procedure.type_id.in_(select(ProcedureType.id).where(
            ProcedureType.department_id == department)))
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(Procedure.id).subquery()))
    page, clamped_from = clamp_page(page, total, PROCEDURES_PER_PAGE)
    rows = db.session.scalars(query.order_by(Procedure.due_on.is_(None), Procedure.due_on, Procedure.id)
                              .limit(PROCEDURES_PER_PAGE).offset((page - 1) * PROCEDURES_PER_PAGE)).all()
    return Page(rows, total, page, PROCEDURES_PER_PAGE, clamped_from=clamped_from)


def approved_in_month(user, today) -> int:
    """How many visible procedures were approved in the month of `today`."""
    return db.session.scalar(select(func.count()).select_from(
        visible_procedures(user).where(Procedure.status == ProcedureStatus.APPROVED.value,
                                       extract("year", Procedure.approved_on) == today.year,
                                       extract("month", Procedure.approved_on) == today.month).subquery()))


def visible_procedure(user, procedure_id):
    """The procedure if `user` may see it, else None."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None or not db.session.scalar(visible_procedures(user).where(Procedure.id == procedure.id)):
        return None
    return procedure


def procedure_document(procedure, document_id):
    """One of the procedure's files, or None."""
    document = db.session.get(ProcedureDocument, document_id)
    if document is None or document.procedure_id != procedure.id:
        return None
    return document
