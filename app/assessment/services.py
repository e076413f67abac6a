"""Assessment verbs and reads: the rules, a month's live or published results, publishing, exclusions,
appeals and the enterprises' monthly evaluations. Every verb checks who asks and what stands, writes, and
records what happened."""
import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from app.assessment import report
from app.assessment.facts import facts
from app.assessment.metrics import DEFAULT_WEIGHTS, DEPARTMENT, METRICS, SECRETARY, UNIT_KINDS
from app.assessment.period import Month
from app.assessment.scoring import UnitScore, score_units, tally, tally_lines
from app.clock import utcnow
from app.enums import AppealStatus, EventKind, Role
from app.errors import EditConflict, NotAllowed, ValidationFailed
from app.extensions import db
from app.models import (ActionItem, Appeal, Assignment, AssessmentFact, AssessmentRun, Department, Enterprise,
                        EnterpriseEvaluation, ScoreExclusion, ScoringRule, Ticket, TicketEvent, User)
from app.text import clean_text
from app.tickets.services import record_event

EVALUATION_DAYS = 62  # an invitation link works for about two months
CRITERIA = ("lawful", "efficiency", "execution", "attitude")


@dataclass
class Rule:
    """Weights, minimum volume, award bar and visit target for one kind of unit."""

    kind: str
    weights: dict
    min_tickets: int = 5
    gold_min_score: int = 90
    visit_target: int = 4

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def rule_for(kind: str) -> Rule:
    """The admins' current rule for a kind of unit, or the defaults."""
    row = db.session.get(ScoringRule, kind)
    if row is None:
        return Rule(kind, dict(DEFAULT_WEIGHTS[kind]))
    weights = {m.key: int(row.weights.get(m.key, 0)) for m in METRICS[kind]}
    return Rule(kind, weights, row.min_tickets, row.gold_min_score, row.visit_target)


def save_rule(kind: str, actor, weights: dict, min_tickets: int, gold_min_score: int, visit_target: int) -> Rule:
    """Store new weights (they must add up to 100) and thresholds; published months keep the old ones."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改考核权重。"))
    if kind not in UNIT_KINDS:
        raise ValidationFailed(_("考核对象不正确。"))
    clean = {m.key: int(weights.get(m.key) or 0) for m in METRICS[kind]}
    if any(w < 0 or w > 100 for w in clean.values()):
        raise ValidationFailed(_("每项权重应在 0 到 100 之间。"))
    if sum(clean.values()) != 100:
        raise ValidationFailed(_("各项权重之和应为 100，现在是 %(n)d。", n=sum(clean.values())))
    if not (0 <= min_tickets <= 1000 and 0 <= gold_min_score <= 100 and 1 <= visit_target <= 100):
        raise ValidationFailed(_("最低件数应在 0–1000，金牌最低分在 0–100，走访目标在 1–100 之间。"))
    row = db.session.get(ScoringRule, kind) or ScoringRule(unit_kind=kind)
    row.weights_json = json.dumps(clean)
    row.min_tickets, row.gold_min_score, row.visit_target = min_tickets, gold_min_score, visit_target
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.add(row)
    db.session.commit()
    return rule_for(kind)


def current_month() -> Month:
    """The Shanghai month we are in."""
    return Month.containing(utcnow())


def live_scores(kind: str, month: Month, rule: Rule | None = None) -> list[UnitScore]:
    """This month's scores as the data stands now (the draft)."""
    rule = rule or rule_for(kind)
    rows, volumes = tally(kind, month, utcnow())
    return score_units(kind, rows, volumes, rule)


def live_unit(kind: str, month: Month, unit_id: int, metric: str, rule: Rule):
    """One unit's live figure for one metric (the drill-down's header), or None if there is no such unit."""
    rows, volumes = tally(kind, month, utcnow(), only=[metric], unit_id=unit_id)
    return next((u for u in score_units(kind, rows, volumes, rule) if u.unit_id == unit_id), None)


def live_result(month: Month, *, with_report: bool = True) -> dict:
    """Everything a month's pages show, computed now: rules and both rankings, and (unless only the
    rankings are wanted) the centre's figures, last month's for comparison, exclusions and appeals."""
    now = utcnow()
    rules = {kind: rule_for(kind) for kind in UNIT_KINDS}
    units = {k: live_scores(k, month, rules[k]) for k in UNIT_KINDS}
    return _result(month, now, rules, units, with_report)


def _result(month, now, rules, units, with_report=True) -> dict:
    result = {
        "month": str(month),
        "rules": {k: r.as_dict() for k, r in rules.items()},
        "units": {k: [u.as_dict() for u in units[k]] for k in UNIT_KINDS},
        "exclusions": exclusions_in(month, now),
        "appeals": appeals_in(month, now),
    }
    if with_report:
        result["center"] = report.month_figures(month, now)
        result["previous"] = _previous_figures(month, now)
    return result


def _previous_figures(month: Month, now) -> dict:
    """Last month's figures for the comparison: the frozen ones if it was published."""
    run = latest_run(month.previous())
    if run is not None:
        return run.summary["center"]
    return report.month_figures(month.previous(), now)


def latest_run(month: Month, version: int | None = None):
    """The published version of a month (the newest unless a version is asked for), or None."""
    query = select(AssessmentRun).where(AssessmentRun.month == str(month))
    if version is not None:
        query = query.where(AssessmentRun.version == version)
    return db.session.scalars(query.order_by(AssessmentRun.version.desc()).limit(1)).first()


def runs_of(month: Month) -> list:
    """Every published version of a month, newest first."""
    return db.session.scalars(select(AssessmentRun).where(AssessmentRun.month == str(month))
                              .order_by(AssessmentRun.version.desc())).all()


def published_months() -> list[str]:
    """Months that have been published, newest first."""
    return list(db.session.scalars(select(AssessmentRun.month).distinct().order_by(AssessmentRun.month.desc())))


def publish_month(month: Month, actor, note: str = "", republish: bool = False) -> AssessmentRun:
    """Freeze a month: its figures, scores and every line behind them. Publishing again is a new version,
    allowed only when asked for explicitly and with a reason; earlier versions stay readable."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以发布月度考评。"))
    if month.end > utcnow():
        raise ValidationFailed(_("%(m)s 尚未结束，月底之后才能发布。", m=month.label))
    previous = latest_run(month)
    note = clean_text(note, _("说明"), 2000, required=previous is not None)
    if previous is not None and not republish:
        raise EditConflict(_("%(m)s 已发布（第 %(v)d 版）。如需更正，请选择“重新发布”并说明原因。",
                             m=month.label, v=previous.version))
    now = utcnow()
    run = AssessmentRun(month=str(month), version=(previous.version + 1) if previous else 1, published_at=now,
                        published_by_id=actor.id, note=note, summary_json="{}")
    db.session.add(run)
    try:
        db.session.flush()
        rules, units = {}, {}
        for kind in UNIT_KINDS:
            f = facts(kind, month, now)
            db.session.execute(insert(AssessmentFact).from_select(
                ["run_id", "unit_kind", "metric", "unit_id", "ticket_id", "ref_id", "value", "counted", "reason",
                 "note", "due_at", "done_at"],
                select(literal(run.id), literal(kind), f.c.metric, f.c.unit_id, f.c.ticket_id, f.c.ref_id, f.c.value,
                       f.c.counted, f.c.reason, f.c.note, f.c.due_at, f.c.done_at)))
            # The published scores are tallied from the frozen lines themselves, so they always agree.
            frozen = select(AssessmentFact).where(AssessmentFact.run_id == run.id,
                                                  AssessmentFact.unit_kind == kind).subquery()
            rules[kind] = rule_for(kind)
            units[kind] = score_units(kind, *tally_lines(kind, frozen), rules[kind])
        run.summary_json = json.dumps(_result(month, now, rules, units), ensure_ascii=False)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise EditConflict(_("刚有其他人发布了 %(m)s，请刷新后查看。", m=month.label)) from exc
    return run


def fact_lines(month: Month, kind: str, unit_id: int, metric: str, run=None, limit=200, offset=0):
    """The lines behind one figure (frozen ones for a published month), ticket number and title attached,
    and how many there are in all."""
    if run is not None:
        f = select(AssessmentFact).where(AssessmentFact.run_id == run.id, AssessmentFact.unit_kind == kind).subquery()
    else:
        f = facts(kind, month, utcnow(), only=[metric], unit_id=unit_id)
    where = [f.c.unit_id == unit_id, f.c.metric == metric]
    total = db.session.scalar(select(func.count()).select_from(f).where(*where))
    rows = db.session.execute(
        select(f.c.ticket_id, f.c.ref_id, f.c.value, f.c.counted, f.c.reason, f.c.note, f.c.due_at, f.c.done_at,
               Ticket.number, Ticket.title)
        .select_from(f).outerjoin(Ticket, Ticket.id == f.c.ticket_id).where(*where)
        .order_by(f.c.counted.desc(), f.c.value, f.c.ticket_id, f.c.ref_id).limit(limit).offset(offset)).all()
    return rows, int(total or 0)


def _counted_in_month(month, now, ticket_ids) -> set:
    """Which of these tickets have a line in the month's figures (for either kind of unit)."""
    found = set()
    for kind in UNIT_KINDS:
        f = facts(kind, month, now, ticket_ids=ticket_ids)
        found |= set(db.session.scalars(select(f.c.ticket_id).distinct()))
    return found


def exclusions_in(month: Month, now) -> list:
    """Excluded tickets that the month's figures would otherwise count, with who excluded them and why."""
    rows = db.session.execute(
        select(ScoreExclusion, Ticket.number, Ticket.title, User.display_name)
        .join(Ticket, Ticket.id == ScoreExclusion.ticket_id).join(User, User.id == ScoreExclusion.created_by_id)
        .where(Ticket.created_at < month.end).order_by(ScoreExclusion.id)).all()
    if not rows:
        return []
    touched = _counted_in_month(month, now, {ex.ticket_id for ex, *_rest in rows})
    return [{"ticket_id": ex.ticket_id, "number": number, "title": title, "reason": ex.reason, "by": by,
             "at": ex.created_at.isoformat()} for ex, number, title, by in rows if ex.ticket_id in touched]


def appeals_in(month: Month, now) -> list:
    """Appeals on tickets the month counts, and appeals filed during the month, with their outcome."""
    rows = db.session.execute(
        select(Appeal, Ticket.number, Ticket.title).join(Ticket, Ticket.id == Appeal.ticket_id)
        .where(Ticket.created_at < month.end).order_by(Appeal.id)).all()
    if not rows:
        return []
    touched = _counted_in_month(month, now, {appeal.ticket_id for appeal, *_rest in rows})
    out = []
    for appeal, number, title in rows:
        if appeal.ticket_id in touched or month.start <= appeal.filed_at < month.end:
            out.append({"id": appeal.id, "ticket_id": appeal.ticket_id, "number": number, "title": title,
                        "unit_kind": appeal.unit_kind, "unit_id": appeal.unit_id,
                        "unit": unit_name(appeal.unit_kind, appeal.unit_id),
                        "reason": appeal.reason, "status": appeal.status, "decision": appeal.decision_reason})
    return out


def own_review_lines(result: dict, user) -> dict:
    """The month's result with its exclusions and appeals cut to what `user` may read: all of them for
    supervisors; for a secretary or a department only those about its own unit (its appeals, and exclusions of
    tickets it worked on); nothing for anyone else. They name tickets and give reasons, so they follow the
    tickets' own access rules and more."""
    if user.is_supervisor:
        return result
    exclusions, appeals = [], []
    if user.is_secretary:
        appeals = [a for a in result["appeals"] if (a["unit_kind"], a.get("unit_id")) == (SECRETARY, user.id)
                   or (a["unit_kind"] == SECRETARY and a.get("unit_id") is None and _filed_by_unit(a, user))]
        ids = {e["ticket_id"] for e in result["exclusions"]}
        mine = set(db.session.scalars(select(Ticket.id).where(Ticket.id.in_(ids), Ticket.secretary_id == user.id))) \
            if ids else set()
        exclusions = [e for e in result["exclusions"] if e["ticket_id"] in mine]
    elif user.is_officer and user.department_id:
        appeals = [a for a in result["appeals"] if (a["unit_kind"], a.get("unit_id")) == (DEPARTMENT, user.department_id)
                   or (a["unit_kind"] == DEPARTMENT and a.get("unit_id") is None and _filed_by_unit(a, user))]
        ids = {e["ticket_id"] for e in result["exclusions"]}
        mine = set()
        if ids:
            mine = set(db.session.scalars(select(Assignment.ticket_id).where(
                Assignment.ticket_id.in_(ids), Assignment.department_id == user.department_id))) | set(
                db.session.scalars(select(ActionItem.ticket_id).where(
                    ActionItem.ticket_id.in_(ids), ActionItem.owner_department_id == user.department_id)))
        exclusions = [e for e in result["exclusions"] if e["ticket_id"] in mine]
    return dict(result, exclusions=exclusions, appeals=appeals)


def _filed_by_unit(appeal_line: dict, user) -> bool:
    # Versions published before appeal lines carried unit_id: look the appeal up.
    appeal = db.session.get(Appeal, appeal_line.get("id"))
    return appeal is not None and (appeal.unit_kind, appeal.unit_id) == (
        (SECRETARY, user.id) if user.is_secretary else (DEPARTMENT, user.department_id))


def unit_name(kind: str, unit_id: int) -> str:
    """A secretary's or department's name."""
    row = db.session.get(Department if kind == DEPARTMENT else User, unit_id)
    if row is None:
        return "—"
    return row.name if kind == DEPARTMENT else row.display_name


def exclude_ticket(ticket, actor, reason: str) -> ScoreExclusion:
    """不纳入考核: take a ticket out of every unit's scores (supervisors only, with a reason)."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以设置不纳入考核。"))
    reason = clean_text(reason, _("原因"), 1000, required=True)
    if db.session.scalar(select(ScoreExclusion.id).where(ScoreExclusion.ticket_id == ticket.id)):
        raise EditConflict(_("该诉求已不纳入考核。"))
    exclusion = ScoreExclusion(ticket_id=ticket.id, reason=reason, created_by_id=actor.id, created_at=utcnow())
    db.session.add(exclusion)
    record_event(ticket, actor, EventKind.SCORE_EXCLUDED, body=reason)
    _commit_once(_("该诉求已不纳入考核。"))
    return exclusion


def include_ticket(ticket, actor, reason: str) -> None:
    """Put an excluded ticket back into the scores (supervisors only); the history keeps both reasons."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以设置不纳入考核。"))
    reason = clean_text(reason, _("原因"), 1000, required=True)
    exclusion = db.session.scalar(select(ScoreExclusion).where(ScoreExclusion.ticket_id == ticket.id))
    if exclusion is None:
        raise EditConflict(_("该诉求目前纳入考核。"))
    record_event(ticket, actor, EventKind.SCORE_INCLUDED, body=reason, data={"excluded_for": exclusion.reason})
    db.session.delete(exclusion)
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
    if db.session.scalar(select(Appeal.id).where(Appeal.ticket_id == ticket.id, Appeal.unit_kind == kind,
                                                 Appeal.unit_id == unit_id)):
        raise EditConflict(_("您已就该诉求提出过申诉。"))
    appeal = Appeal(ticket_id=ticket.id, unit_kind=kind, unit_id=unit_id, reason=reason, filed_by_id=actor.id,
                    filed_at=utcnow(), status=AppealStatus.PENDING.value)
    db.session.add(appeal)
    record_event(ticket, actor, EventKind.APPEAL_FILED, body=reason, data={"unit": unit_name(kind, unit_id)})
    _commit_once(_("您已就该诉求提出过申诉。"))
    return appeal


def decide_appeal(appeal, actor, accept: bool, reason: str) -> Appeal:
    """A supervisor accepts (the ticket stops counting for that unit) or rejects an appeal, with a reason."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以处理申诉。"))
    reason = clean_text(reason, _("处理意见"), 2000, required=True)
    if appeal.status != AppealStatus.PENDING.value:
        raise EditConflict(_("该申诉已处理。"))
    appeal.status = (AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED).value
    appeal.decided_by_id, appeal.decided_at, appeal.decision_reason = actor.id, utcnow(), reason
    record_event(appeal.ticket, actor, EventKind.APPEAL_DECIDED, body=reason,
                 data={"unit": unit_name(appeal.unit_kind, appeal.unit_id),
                       "decision": AppealStatus(appeal.status).label})
    db.session.commit()
    return appeal


def _commit_once(message):
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same request twice at once: the unique key keeps one
        db.session.rollback()
        raise EditConflict(message) from exc


def pending_appeals() -> int:
    """How many appeals wait for a supervisor's decision."""
    return int(db.session.scalar(select(func.count(Appeal.id)).where(Appeal.status == AppealStatus.PENDING.value))
               or 0)


def appeals_for(user):
    """Appeals a person may see: all of them for supervisors, their own unit's otherwise."""
    query = select(Appeal).order_by(Appeal.status != AppealStatus.PENDING.value, Appeal.id.desc())
    if user.is_secretary:
        query = query.where(Appeal.unit_kind == SECRETARY, Appeal.unit_id == user.id)
    elif user.is_officer:
        query = query.where(Appeal.unit_kind == DEPARTMENT, Appeal.unit_id == user.department_id)
    elif not user.has_role(Role.SUPERVISOR, Role.ADMIN):
        return []
    return db.session.scalars(query.limit(500)).all()


# --- enterprise evaluation -------------------------------------------------------------------------------

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
    _commit_once(_("本月已评价过该单位，感谢您的反馈。"))
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


def workspace_note(user) -> dict | None:
    """What the workspace says about the assessment: for supervisors, appeals waiting and whether last month
    is still unpublished; for a secretary or officer, their unit's place in last month's published ranking."""
    month = current_month().previous()
    run = latest_run(month)
    if user.is_supervisor:
        pending = pending_appeals()
        if not pending and run is not None:
            return None
        return {"month": month, "pending": pending, "unpublished": run is None}
    unit = (SECRETARY, user.id) if user.is_secretary else (DEPARTMENT, user.department_id) if user.is_officer else None
    if run is None or unit is None:
        return None
    rows = run.summary["units"][unit[0]]
    mine = next((u for u in rows if u["unit_id"] == unit[1]), None)
    if mine is None:
        return None
    return {"month": month, "unit": mine, "ranked": sum(1 for u in rows if u["rank"] is not None), "kind": unit[0]}
