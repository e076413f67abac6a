"""The enterprises' monthly evaluation (综合打分): personal link tokens, whom an enterprise scores, and its marks.
The public evaluation page imports only this."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from app import kept
from app.assessment.metrics import DEPARTMENT, SECRETARY
from app.assessment.once import commit_once
from app.assessment.period import Month
from app.assessment.units import unit_name
from app.enums import AssignmentStatus
from app.timesource import utcnow
from app.errors import EditConflict, NotAllowed, ValidationFailed
from app.extensions import db
from app.messaging import tell
from app.messaging.links import external_url
from app.models import Assignment, Enterprise, EnterpriseEvaluation, Ticket, TicketEvent
from app.text import clean_text, is_digits

EVALUATION_DAYS = 62  # an invitation link works for about two months
CRITERIA = ("lawful", "efficiency", "execution", "attitude")
CRITERION_LABELS = {"lawful": _l("依法履职"), "efficiency": _l("办事效率"), "execution": _l("执行力"),
                    "attitude": _l("服务态度")}


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
    """Units that worked on the enterprise's tickets that saw activity in the month: their secretaries, and the
    departments that signed for a part (lead or support) and did not hand it back. A department that only
    returned a case, or has not signed yet, did no work the enterprise could judge."""
    active = (select(TicketEvent.ticket_id).where(TicketEvent.at >= month.start, TicketEvent.at < month.end)
              .distinct())
    tickets = select(Ticket.id).where(Ticket.enterprise_id == enterprise_id, Ticket.id.in_(active))
    secretaries = db.session.scalars(select(Ticket.secretary_id).distinct().where(
        Ticket.id.in_(tickets), Ticket.secretary_id.is_not(None))).all()
    # A signed part later withdrawn (the case re-dispatched, or its lead returned) was still worked on.
    departments = db.session.scalars(select(Assignment.department_id).distinct().where(
        Assignment.ticket_id.in_(tickets), Assignment.signed_at.is_not(None),
        Assignment.status != AssignmentStatus.RETURNED.value)).all()
    return [(SECRETARY, s) for s in sorted(secretaries)] + [(DEPARTMENT, d) for d in sorted(departments)]


def evaluations_done(enterprise_id: int, month: Month) -> set:
    """(kind, unit id) pairs the enterprise has already scored for the month."""
    return set(db.session.execute(select(EnterpriseEvaluation.unit_kind, EnterpriseEvaluation.unit_id).where(
        EnterpriseEvaluation.enterprise_id == enterprise_id, EnterpriseEvaluation.month == str(month))).all())


def evaluations_given(enterprise_id: int, month: Month) -> dict:
    """The enterprise's evaluations of the month by unit: {(kind, unit id): EnterpriseEvaluation}."""
    rows = db.session.scalars(select(EnterpriseEvaluation).where(
        EnterpriseEvaluation.enterprise_id == enterprise_id, EnterpriseEvaluation.month == str(month)))
    return {(r.unit_kind, r.unit_id): r for r in rows}


ALREADY = _l("本月已评价过该单位，感谢您的反馈。")


@dataclass
class Submitted:
    """What one submission did: the units saved, and each unit left incomplete with its message."""

    saved: list = field(default_factory=list)
    problems: dict = field(default_factory=dict)


def _mark(value) -> int | None:
    """A mark from 1 to 5, or None for anything else (missing, text, out of range)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if is_digits(text) and len(text) == 1 and 1 <= int(text) <= 5 else None


def filled_in(entry: dict) -> bool:
    """Whether the enterprise touched a unit: any mark or any comment given."""
    return any(str(entry.get(key) or "").strip() for key in (*CRITERIA, "comment"))


def submit_evaluations(enterprise, month: Month, entries: dict) -> Submitted:
    """One submission for every unit ({(kind, unit id): {criterion: mark, "comment": text}}). Every unit offered,
    not yet scored and complete (four marks 1–5) is saved, all in one transaction; a unit filled in but not
    complete is not saved and gets a message naming it and what it lacks, so the page can keep it as typed.
    Untouched units are neither. Nothing filled in at all is refused; so is a form whose units were all
    scored already (sent twice)."""
    if not (enterprise.contact_verified and enterprise.mobile):
        raise NotAllowed(_("该企业的联系人尚未核实，暂不能评价。"))
    done = evaluations_done(enterprise.id, month)
    touched = [u for u in evaluation_units(enterprise.id, month) if filled_in(entries.get(u) or {})]
    result, now = Submitted(), utcnow()
    for unit in touched:
        if unit in done:
            continue
        entry, name = entries[unit], unit_name(*unit)
        marks = {key: _mark(entry.get(key)) for key in CRITERIA}
        missing = [str(CRITERION_LABELS[key]) for key in CRITERIA if marks[key] is None]
        if missing:
            result.problems[unit] = _("请完成对「%(u)s」的评价：缺少%(m)s。", u=name, m="、".join(missing))
            continue
        try:
            comment = clean_text(entry.get("comment"), _("对「%(u)s」的意见建议", u=name), 1000, required=False)
        except ValidationFailed as exc:
            result.problems[unit] = exc.message
            continue
        db.session.add(EnterpriseEvaluation(
            enterprise_id=enterprise.id, month=str(month), unit_kind=unit[0], unit_id=unit[1], comment=comment,
            contact_name=enterprise.contact_name, contact_mobile=enterprise.mobile, created_at=now, **marks))
        result.saved.append(unit)
    if not result.saved and not result.problems:
        if touched:
            raise EditConflict(str(ALREADY))
        raise ValidationFailed(_("请至少为一个单位打分。"))
    if result.saved:
        commit_once(str(ALREADY))  # a concurrent double submission keeps one set, the other saves nothing
    return result


def submit_evaluation(enterprise, month: Month, kind: str, unit_id: int, marks: dict,
                      comment: str = "") -> None:
    """Record the verified contact's marks (1–5 each) for one unit and month (the demo seeder's way in); a
    unit not offered, scored already or incomplete is refused."""
    unit = (kind, unit_id)
    if unit not in set(evaluation_units(enterprise.id, month)):
        raise ValidationFailed(_("本月没有需要您评价的该单位。"))
    if unit in evaluations_done(enterprise.id, month):
        raise EditConflict(str(ALREADY))
    result = submit_evaluations(enterprise, month, {unit: {**marks, "comment": comment}})
    if result.problems:
        raise ValidationFailed(result.problems[unit])


INVITATIONS_PER_PAGE = 50  # as every list: the page renders each row with its personal link


def _active_enterprises(month: Month):
    """The ids of enterprises with a case that saw activity (any event) in the month, as a subquery."""
    active = select(TicketEvent.ticket_id).where(TicketEvent.at >= month.start, TicketEvent.at < month.end)
    return select(Ticket.enterprise_id).where(Ticket.id.in_(active))


# Events are stamped with the moment their unit of work ran, so once a month is over (and the last unit of work
# begun inside it has surely committed) no case gains an event in it and its active companies are settled.
SETTLED_AFTER = timedelta(hours=1)


def active_enterprise_ids(month: Month) -> set:
    """The ids of the month's active enterprises. A settled month's set is read once and kept (`app/kept.py`): it
    is the month's every event (587,590 at 1,000,000 cases, 440 ms on either database), and the invitations page
    of last month is read again and again while a supervisor sends and checks them. Events written with earlier
    times by hand (an import, a repair in SQL) must be followed by deleting the rows `active-enterprises:<month>`
    of `draft_snapshot`: the next view reads the month again."""
    active = _active_enterprises(month).distinct()
    now = utcnow()
    if now < month.end + SETTLED_AFTER:
        return set(db.session.scalars(active))
    key = f"active-enterprises:{month}"
    ids = kept.value(key)
    if ids is None:
        ids = sorted(kept.tally(lambda: list(db.session.scalars(active))))
        kept.store(now, {key: ids})
    return set(ids)


def _active_page(active: set, asked: int, per_page: int):
    """The page `asked` of the enterprises `active` in name order (tickets.queries.Page of their ids). The name index
    is walked only until the page is full: reading all 20,000 companies' ids in name order to keep the 19,319 active
    ones took 9–10 ms a view on either database at 1,000,000 cases, the first page this way 0.1–0.5 ms."""
    from app.tickets.queries import Page, clamp_page

    page, clamped_from = clamp_page(asked, len(active), per_page)
    start, end = (page - 1) * per_page, page * per_page
    ids, seen = [], 0
    # Streamed (a server-side cursor on PostgreSQL): the rows after the page are never fetched. The option is the
    # statement's: set on the connection it would stream every later statement of the request's transaction too.
    result = db.session.connection().execute(
        select(Enterprise.id).order_by(Enterprise.name, Enterprise.id).execution_options(stream_results=True))
    try:
        for enterprise_id in result.scalars():
            if enterprise_id in active:
                if seen >= start:
                    ids.append(enterprise_id)
                seen += 1
                if seen >= end:
                    break
    finally:
        result.close()
    return Page(ids, len(active), page, per_page, clamped_from=clamped_from)


def _verified():
    return Enterprise.contact_verified.is_(True) & (Enterprise.mobile != "")


# Up to this many companies, their evaluations of the month are counted by id; more (sending to every active company:
# 19,319 at 1,000,000 cases) would pass SQLite's limit on bound parameters in a larger centre, so all are counted.
COUNT_BY_ID = 500


def _invitation_rows(enterprises, month: Month) -> list:
    counted = select(EnterpriseEvaluation.enterprise_id, func.count()).where(EnterpriseEvaluation.month == str(month))
    if len(enterprises) <= COUNT_BY_ID:
        # A page's 50: counting all the month's evaluations took 12.8 ms on PostgreSQL at 1,000,000 cases.
        counted = counted.where(EnterpriseEvaluation.enterprise_id.in_([e.id for e in enterprises]))
    done = dict(db.session.execute(counted.group_by(EnterpriseEvaluation.enterprise_id)).all()) if enterprises else {}
    return [{"id": e.id, "name": e.name, "contact": e.contact_name, "mobile": e.mobile,
             "verified": bool(e.contact_verified and e.mobile), "done": int(done.get(e.id, 0)),
             "token": evaluation_token(e, month)} for e in enterprises]


def enterprises_to_invite(month: Month) -> list:
    """Every enterprise with activity in the month, by name: its contact, whether it is verified, how many units
    it has scored, and (verified contacts only) the personal link token."""
    enterprises = db.session.scalars(select(Enterprise).where(Enterprise.id.in_(_active_enterprises(month)))
                                     .order_by(Enterprise.name, Enterprise.id)).all()
    return _invitation_rows(enterprises, month)


def invitation_page(month: Month, page: int):
    """One page of the month's invitations (as `enterprises_to_invite`, 50 a page) and how many active
    enterprises have a verified contact, as (tickets.queries.Page, verified)."""
    # A centre's month touches nearly every company (19,319 of 20,000 at 1,000,000 cases): testing each for an event
    # took 3.2 s on PostgreSQL, so the month's set is read once (`active_enterprise_ids`) and the page's companies
    # are found along the name index; reading each company's name and contact too cost 45 of the page's 62 ms.
    active = active_enterprise_ids(month)
    shown = _active_page(active, page, INVITATIONS_PER_PAGE)
    ids = shown.items
    found = {e.id: e for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))} if ids else {}
    shown.items = _invitation_rows([found[i] for i in ids if i in found], month)
    verified = set(db.session.connection().execute(select(Enterprise.id).where(_verified())).scalars().all())
    return shown, sum(1 for i in active if i in verified)


def send_invitations(actor, month: Month) -> tuple[int, int]:
    """发送评价邀请: queue the month's invitation (the personal link, by SMS and by email when the contact gave
    one) to every enterprise active in the month whose contact is verified; an address that already has this
    month's invitation gets nothing new, so pressing again only reaches the newly verified. Returns (enterprises
    with a message queued now, active enterprises without a verified contact)."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以发送评价邀请。"))
    now = utcnow()
    if month.start > now:
        raise ValidationFailed(_("%(m)s 尚未开始，不能发送评价邀请。", m=month.label))
    rows = enterprises_to_invite(month)
    invited = 0
    for row in rows:
        if not row["token"]:
            continue
        enterprise = db.session.get(Enterprise, row["id"])
        link = external_url("assessment.evaluate", token=row["token"])
        if tell.evaluation_invitation(enterprise, month.year, month.month, link, now):
            invited += 1
    commit_once(_("评价邀请正在由他人发送，请刷新页面查看。"))
    return invited, sum(1 for r in rows if not r["token"])
