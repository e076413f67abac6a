"""Telling a secretary, once, that a 代办 procedure passed its due date: a small step run after each SLA sweep.

A procedure's deadline is a date, so there is one event to announce (overdue), not a ladder of levels. The claim
is one UPDATE … WHERE overdue_notified_at IS NULL … RETURNING: a second or concurrent run finds nothing left to
claim, so nobody is told twice; a new due date clears the mark (see projects.services.update_procedure).
"""
from sqlalchemy import update

from app.deadlines.procedures import due_at, overdue
from app.display import due_text
from app.extensions import db
from app.models import Procedure
from app.models.project import ProjectChange
from app.supervision import notify
from app.supervision.sweep import SYSTEM
from sla.calendar import SHANGHAI


def notify_overdue_procedures(now) -> int:
    """Tell each late procedure's secretary once (in-app, and email in working hours), note it in the procedure's
    history, and commit; returns how many were announced."""
    late = [p for p in overdue(now.astimezone(SHANGHAI).date(), limit=1000) if p.overdue_notified_at is None]
    if not late:
        return 0
    claimed = set(db.session.scalars(
        update(Procedure).where(Procedure.id.in_([p.id for p in late]), Procedure.overdue_notified_at.is_(None))
        .values(overdue_notified_at=now).returning(Procedure.id)
        .execution_options(synchronize_session=False)))
    people = notify.People()
    for procedure in late:
        if procedure.id not in claimed:
            continue
        due = due_text(due_at(procedure))
        where = procedure.project.name if procedure.project else procedure.enterprise.name
        title = f"【代办超期】{procedure.type.name} · {where}"
        body = (f"“{procedure.type.name}”应于 {due} 办结（{procedure.submitted_on} 报审，标准 "
                f"{procedure.type.standard_wd} 个工作日），现已超期，请尽快跟进。\n企业：{procedure.enterprise.name}")
        notify.queue(_secretaries(procedure, people), kind="procedure_overdue", title=title, body=body, now=now)
        db.session.add(ProjectChange(project_id=procedure.project_id, procedure_id=procedure.id, at=now,
                                     actor_name=SYSTEM, field="overdue", old_value="", new_value=due))
    db.session.commit()
    return len(claimed)


def _secretaries(procedure, people):
    """The procedure's secretary, else the enterprise's, else every secretary (somebody must hear of it)."""
    secretary_id = procedure.secretary_id or procedure.enterprise.secretary_id
    return people.user(secretary_id) if secretary_id else people.secretaries()
