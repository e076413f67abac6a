"""A case as a list shows it: its row's values read by one statement, as plain objects rather than ORM ones.

A list, the shared pool and a secretary's or supervisor's queue show fifty cases with their company, category,
secretary and lead department. Loaded as ORM objects with those relationships that was 272 objects a page and
5.0 ms of a list's CPU at 1,000,000 cases; read as values it is one statement and a plain object per case, 2.2-2.3
ms on both databases (bench/README.md, stop 34). The pages only read them. An officer's queue shows them too, with
the department's own part of each beside them, read as values as well (queries.own_parts)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.enums import ACTIVE_ASSIGNMENT, AssignmentRole, TicketState
from app.extensions import db
from app.models import Assignment, Category, Department, Enterprise, Ticket, User
from app.models.ticket import CaseLabels


@dataclass(slots=True)
class CaseRow(CaseLabels):
    """What a case's row shows (tickets/_table.html, the badges), under the names the Ticket model gives them."""

    id: int
    number: str
    title: str
    urgency: str
    channel: str
    state: TicketState
    due_at: datetime | None
    due_unit: str | None
    sla_level: str
    supervised_at: datetime | None
    created_at: datetime
    enterprise_name: str
    category_name: str
    secretary_name: str | None
    lead_department: str | None


def _lead_department():
    # The case's lead part still held (pending or signed), first by id: Ticket.lead_assignment's rule.
    return (select(Department.name).join(Assignment, Assignment.department_id == Department.id)
            .where(Assignment.ticket_id == Ticket.id, Assignment.role == AssignmentRole.LEAD.value,
                   Assignment.status.in_(ACTIVE_ASSIGNMENT))
            .order_by(Assignment.id).limit(1).correlate(Ticket).scalar_subquery())


def case_rows(ids) -> list[CaseRow]:
    """The rows of the cases `ids`, in that order (a case that vanished meanwhile is left out)."""
    if not ids:
        return []
    statement = (select(Ticket.id, Ticket.number, Ticket.title, Ticket.urgency, Ticket.channel, Ticket.state,
                        Ticket.due_at, Ticket.due_unit, Ticket.sla_level, Ticket.supervised_at, Ticket.created_at,
                        Enterprise.name, Category.name, User.display_name, _lead_department())
                 .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
                 .join(Category, Category.id == Ticket.category_id)
                 .outerjoin(User, User.id == Ticket.secretary_id)
                 .where(Ticket.id.in_(ids)))
    rows = {row[0]: CaseRow(*row) for row in db.session.execute(statement)}
    return [rows[i] for i in ids if i in rows]
