"""What the 一表制 and 代办 pages read: the sheet's projects and filter choices, a project's tickets, the
procedures a person may see, and the catalogue."""
from sqlalchemy import extract, func, select
from sqlalchemy.orm import selectinload

from app.enums import ProcedureStatus, Role
from app.extensions import db
from app.models import (Milestone, Procedure, ProcedureDocument, ProcedureType, Project, Ticket,
                        User)
from app.tickets.access import visible_filter

PROJECT_ROLES = (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN)


def sheet_projects(f) -> list:
    """The sheet's projects under the filters `f` (park, industry, secretary; with only_year, those with a
    planned or actual date in the year, or no dates at all), with everything the sheet shows loaded."""
    query = select(Project).options(selectinload(Project.milestones).joinedload(Milestone.stage),
                                    selectinload(Project.procedures).joinedload(Procedure.type),
                                    selectinload(Project.enterprise), selectinload(Project.secretary))
    if f["park"]:
        query = query.where(Project.park == f["park"])
    if f["industry"]:
        query = query.where(Project.industry == f["industry"])
    if f["secretary"]:
        query = query.where(Project.secretary_id == f["secretary"])
    projects = db.session.scalars(query.order_by(Project.id)).all()
    if f.get("only_year"):
        year = f["year"]
        projects = [p for p in projects if not p.milestones or any(
            d and d.year == year for m in p.milestones for d in (m.planned_on, m.actual_on))]
    return projects


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
