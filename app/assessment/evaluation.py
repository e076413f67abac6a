"""The enterprises' monthly evaluation (综合打分): personal link tokens, whom an enterprise scores, and its marks.
The public evaluation page imports only this."""
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.assessment.metrics import DEPARTMENT, SECRETARY
from app.assessment.once import commit_once
from app.assessment.period import Month
from app.timesource import utcnow
from app.errors import EditConflict, NotAllowed, ValidationFailed
from app.extensions import db
from app.models import Assignment, Enterprise, EnterpriseEvaluation, Ticket, TicketEvent
from app.text import clean_text

EVALUATION_DAYS = 62  # an invitation link works for about two months
CRITERIA = ("lawful", "efficiency", "execution", "attitude")


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="jianjian-evaluation")


def evaluation_token(enterprise, month: Month) -> str | None:
    """The personal link token inviting an enterprise's verified contact to evaluate one month, or None when
    the enterprise has no verified contact (an anonymous submitter is never one: anyone can type a company's
    public credit code)."""
    if not (enterprise.contact_verified and enterprise.mobile):
        return None
    return _serializer().dumps({"e": enterprise.id, "m": str(month), "c": enterprise.mobile})


def read_evaluation_token(token: str):
    """(enterprise id, month, contact mobile) from a token, or None if it is forged or expired."""
    try:
        data = _serializer().loads(token, max_age=EVALUATION_DAYS * 86400)
        month = Month.parse(data.get("m"))
        contact = data.get("c")
        return (int(data["e"]), month, contact) if month and isinstance(contact, str) and contact else None
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None


def evaluation_invitee(token: str):
    """(enterprise, month) for a link that still belongs to the enterprise's verified contact, or None: a
    changed or unverified contact revokes the links sent to the old one."""
    found = read_evaluation_token(token)
    if found is None:
        return None
    enterprise = db.session.get(Enterprise, found[0])
    if enterprise is None or not enterprise.contact_verified or enterprise.mobile != found[2]:
        return None
    return enterprise, found[1]


def evaluation_units(enterprise_id: int, month: Month) -> list[tuple[str, int]]:
    """Units the enterprise dealt with in the month: the secretaries and departments on its tickets that
    saw activity then."""
    active = (select(TicketEvent.ticket_id).where(TicketEvent.at >= month.start, TicketEvent.at < month.end)
              .distinct())
    tickets = select(Ticket.id).where(Ticket.enterprise_id == enterprise_id, Ticket.id.in_(active))
    secretaries = db.session.scalars(select(Ticket.secretary_id).distinct().where(
        Ticket.id.in_(tickets), Ticket.secretary_id.is_not(None))).all()
    departments = db.session.scalars(select(Assignment.department_id).distinct().where(
        Assignment.ticket_id.in_(tickets))).all()
    return [(SECRETARY, s) for s in sorted(secretaries)] + [(DEPARTMENT, d) for d in sorted(departments)]


def evaluations_done(enterprise_id: int, month: Month) -> set:
    """(kind, unit id) pairs the enterprise has already scored for the month."""
    return set(db.session.execute(select(EnterpriseEvaluation.unit_kind, EnterpriseEvaluation.unit_id).where(
        EnterpriseEvaluation.enterprise_id == enterprise_id, EnterpriseEvaluation.month == str(month))).all())


def submit_evaluation(enterprise, month: Month, kind: str, unit_id: int, marks: dict,
                      comment: str = "") -> EnterpriseEvaluation:
    """Record the verified contact's marks (1–5 each) for one unit and month; a second one is refused."""
    if not (enterprise.contact_verified and enterprise.mobile):
        raise NotAllowed(_("该企业的联系人尚未核实，暂不能评价。"))
    if (kind, unit_id) not in set(evaluation_units(enterprise.id, month)):
        raise ValidationFailed(_("本月没有需要您评价的该单位。"))
    values = {}
    for key in CRITERIA:
        try:
            values[key] = int(marks.get(key))
        except (TypeError, ValueError):
            values[key] = 0
        if not 1 <= values[key] <= 5:
            raise ValidationFailed(_("请为每一项选择 1 到 5 分。"))
    comment = clean_text(comment, _("意见建议"), 1000, required=False)
    if (kind, unit_id) in evaluations_done(enterprise.id, month):
        raise EditConflict(_("本月已评价过该单位，感谢您的反馈。"))
    row = EnterpriseEvaluation(enterprise_id=enterprise.id, month=str(month), unit_kind=kind, unit_id=unit_id,
                               comment=comment, contact_name=enterprise.contact_name, contact_mobile=enterprise.mobile,
                               created_at=utcnow(), **values)
    db.session.add(row)
    commit_once(_("本月已评价过该单位，感谢您的反馈。"))
    return row


def enterprises_to_invite(month: Month) -> list:
    """Enterprises with activity in the month, their contact, whether it is verified, how many units they have
    scored, and (verified contacts only) the personal link token."""
    active = select(TicketEvent.ticket_id).where(TicketEvent.at >= month.start, TicketEvent.at < month.end)
    enterprises = db.session.scalars(
        select(Enterprise).where(Enterprise.id.in_(
            select(Ticket.enterprise_id).where(Ticket.id.in_(active)))).order_by(Enterprise.name).limit(2000)).all()
    done = dict(db.session.execute(
        select(EnterpriseEvaluation.enterprise_id, func.count()).where(EnterpriseEvaluation.month == str(month))
        .group_by(EnterpriseEvaluation.enterprise_id)).all())
    return [{"id": e.id, "name": e.name, "contact": e.contact_name, "mobile": e.mobile,
             "verified": bool(e.contact_verified and e.mobile), "done": int(done.get(e.id, 0)),
             "token": evaluation_token(e, month)} for e in enterprises]

