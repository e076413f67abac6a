"""Taking tickets out of the scores (不纳入考核) and appeals (申诉): the verbs, who may see which appeals, and what
the ticket page's 考核 panel offers."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.assessment.metrics import DEPARTMENT, SECRETARY
from app.assessment.once import commit_once
from app.audit import record_change, snapshot
from app.assessment.units import unit_name
from app.timesource import utcnow
from app.enums import AppealStatus, EventKind
from app.errors import EditConflict, NotAllowed
from app.extensions import db
from app.models import Appeal, ScoreExclusion
from app.text import clean_text
from app.assessment.drafts import drop_drafts
from app.journal import record_event


_EXCLUSION_FIELDS = ("ticket_id", "reason")


def exclude_ticket(ticket, actor, reason: str) -> ScoreExclusion:
    """不纳入考核: take a ticket out of every unit's scores (supervisors only, with a reason)."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以设置不纳入考核。"))
    reason = clean_text(reason, _("原因"), 1000, required=True)
    if db.session.scalar(select(ScoreExclusion.id).where(ScoreExclusion.ticket_id == ticket.id)):
        raise EditConflict(_("该诉求已不纳入考核。"))
    now = utcnow()  # one moment for the whole unit of work
    exclusion = ScoreExclusion(ticket_id=ticket.id, reason=reason, created_by_id=actor.id, created_at=now)
    db.session.add(exclusion)
    record_event(ticket, actor, EventKind.SCORE_EXCLUDED, at=now, body=reason)
    db.session.flush()
    record_change(actor, "create", "score_exclusion", ticket.id, {}, snapshot(exclusion, _EXCLUSION_FIELDS), now)
    drop_drafts()
    commit_once(_("该诉求已不纳入考核。"))
    return exclusion


def include_ticket(ticket, actor, reason: str) -> None:
    """Put an excluded ticket back into the scores (supervisors only); the history keeps both reasons."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以设置不纳入考核。"))
    reason = clean_text(reason, _("原因"), 1000, required=True)
    exclusion = db.session.scalar(select(ScoreExclusion).where(ScoreExclusion.ticket_id == ticket.id))
    if exclusion is None:
        raise EditConflict(_("该诉求目前纳入考核。"))
    now = utcnow()
    record_event(ticket, actor, EventKind.SCORE_INCLUDED, at=now, body=reason,
                 data={"excluded_for": exclusion.reason})
    record_change(actor, "delete", "score_exclusion", ticket.id, snapshot(exclusion, _EXCLUSION_FIELDS),
                  {"include_reason": reason}, now)
    db.session.delete(exclusion)
    drop_drafts()
    db.session.commit()


def exclusion_of(ticket):
    """The ticket's exclusion, if any."""
    return db.session.scalar(select(ScoreExclusion).where(ScoreExclusion.ticket_id == ticket.id))


def appeal_unit(actor, ticket):
    """(kind, id) of the unit `actor` may appeal for on this ticket, or None."""
    if actor.is_secretary and ticket.secretary_id == actor.id:
        return SECRETARY, actor.id
    if actor.is_officer and actor.department_id and (
            any(a.department_id == actor.department_id for a in ticket.assignments)
            or any(i.owner_department_id == actor.department_id for i in ticket.action_items)):
        return DEPARTMENT, actor.department_id
    return None


def file_appeal(ticket, actor, reason: str) -> Appeal:
    """申诉: a secretary (for themself) or an officer (for their department) asks that a ticket not count."""
    unit = appeal_unit(actor, ticket)
    if unit is None:
        raise NotAllowed(_("只有该诉求的项目秘书或承办部门可以申诉。"))
    reason = clean_text(reason, _("申诉理由"), 2000, required=True)
    kind, unit_id = unit
    now = utcnow()  # one moment for the whole unit of work
    if db.session.scalar(select(Appeal.id).where(Appeal.ticket_id == ticket.id, Appeal.unit_kind == kind,
                                                 Appeal.unit_id == unit_id)):
        raise EditConflict(_("您已就该诉求提出过申诉。"))
    appeal = Appeal(ticket_id=ticket.id, unit_kind=kind, unit_id=unit_id, reason=reason, filed_by_id=actor.id,
                    filed_at=now, status=AppealStatus.PENDING.value)
    db.session.add(appeal)
    record_event(ticket, actor, EventKind.APPEAL_FILED, at=now, body=reason,
                 data={"unit": unit_name(kind, unit_id)})
    drop_drafts()  # the draft lists pending appeals
    commit_once(_("您已就该诉求提出过申诉。"))
    return appeal


def decide_appeal(appeal, actor, accept: bool, reason: str) -> Appeal:
    """A supervisor accepts (the ticket stops counting for that unit) or rejects an appeal, with a reason."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以处理申诉。"))
    reason = clean_text(reason, _("处理意见"), 2000, required=True)
    if appeal.status != AppealStatus.PENDING.value:
        raise EditConflict(_("该申诉已处理。"))
    appeal.status = (AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED).value
    now = utcnow()  # one moment for the whole unit of work
    appeal.decided_by_id, appeal.decided_at, appeal.decision_reason = actor.id, now, reason
    record_event(appeal.ticket, actor, EventKind.APPEAL_DECIDED, at=now, body=reason,
                 data={"unit": unit_name(appeal.unit_kind, appeal.unit_id),
                       "decision": AppealStatus(appeal.status).label})
    drop_drafts()
    db.session.commit()
    return appeal


def pending_appeals() -> int:
    """How many appeals wait for a supervisor's decision."""
    return int(db.session.scalar(select(func.count(Appeal.id)).where(Appeal.status == AppealStatus.PENDING.value))
               or 0)


def appeals_for(user):
    """Appeals a person may see: all of them for supervisors, their own unit's otherwise (admins run the
    system, not the assessment: none)."""
    query = select(Appeal).order_by(Appeal.status != AppealStatus.PENDING.value, Appeal.id.desc())
    if user.is_secretary:
        query = query.where(Appeal.unit_kind == SECRETARY, Appeal.unit_id == user.id)
    elif user.is_officer:
        query = query.where(Appeal.unit_kind == DEPARTMENT, Appeal.unit_id == user.department_id)
    elif not user.is_supervisor:
        return []
    return db.session.scalars(query.limit(500)).all()



def ticket_panel(user, ticket) -> dict:
    """What the ticket page's 考核 panel holds for `user`: the exclusion, the appeals they may see, and whether
    they may exclude the ticket or appeal against it."""
    mine = appeal_unit(user, ticket)
    visible = [a for a in db.session.scalars(select(Appeal).where(Appeal.ticket_id == ticket.id)).all()
               if user.is_supervisor or (mine and (a.unit_kind, a.unit_id) == mine)]
    filed = mine is not None and any((a.unit_kind, a.unit_id) == mine for a in visible)
    return {"exclusion": exclusion_of(ticket), "appeals": visible, "can_exclude": user.is_supervisor,
            "can_appeal": mine is not None and not filed}
