"""代办 deadlines: a submitted procedure is due at the end of the N-th working day after its submission day, N
being its type's standard working days, on the same working-day calendar as every case's clock. The due date is
stored on the procedure when it is submitted (`Procedure.due_on`); these helpers read it as a due time and find
the procedures that are late or soon due."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.deadlines.calendar import current_calendar
from app.enums import ProcedureStatus
from app.extensions import db
from app.models import Procedure, ProcedureType, Project
from sla.calendar import SHANGHAI

RUNNING = ProcedureStatus.SUBMITTED.value  # submitted and not yet decided: its deadline runs
SOON_WORKING_DAYS = 3  # a secretary's workspace shows procedures due within this many working days


def due_at(procedure) -> datetime | None:
    """The moment a running procedure is due (midnight ending its due date, Beijing), or None."""
    if procedure.status != RUNNING or procedure.due_on is None:
        return None
    return datetime.combine(procedure.due_on + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def _running():
    return (select(Procedure).where(Procedure.status == RUNNING, Procedure.due_on.is_not(None))
            .options(joinedload(Procedure.type).joinedload(ProcedureType.department), joinedload(Procedure.enterprise),
                     joinedload(Procedure.project).load_only(Project.id, Project.name),
                     joinedload(Procedure.secretary))
            .order_by(Procedure.due_on, Procedure.id))


def overdue(today: date, limit: int = 300) -> list:
    """Running procedures whose due date is before `today` (Beijing), the longest late first."""
    return db.session.scalars(_running().where(Procedure.due_on < today).limit(limit)).unique().all()


def needing(secretary_id: int, today: date) -> list:
    """A secretary's running procedures that are late or due within the next few working days."""
    until = current_calendar().add_working_days(today, SOON_WORKING_DAYS)
    return db.session.scalars(_running().where(Procedure.secretary_id == secretary_id,
                                               Procedure.due_on <= until).limit(200)).unique().all()
