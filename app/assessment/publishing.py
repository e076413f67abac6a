"""A month's results: live (the draft) or published (frozen, versioned), the lines behind each figure, and the
exclusions and appeals the month shows, cut to what each person may read."""
import json

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from app.assessment import report, staging
from app.assessment.corrections import apply_held_corrections, recount_pending_lines
from app.assessment.drafts import drop_drafts
from app.assessment.facts import facts
from app.assessment.metrics import DEPARTMENT, SECRETARY, UNIT_KINDS
from app.assessment.period import Month
from app.assessment.rules import Rule, rule_for
from app.assessment.scoring import UnitScore, score_units, tally, tally_lines
from app.assessment.units import unit_name
from app.audit import record_change
from app.timesource import utcnow
from app.errors import EditConflict, NotAllowed, ValidationFailed
from app.extensions import db
from app.models import ActionItem, Appeal, Assignment, AssessmentRun, ScoreExclusion, Ticket, User
from app.text import clean_text


def current_month() -> Month:
    """The Shanghai month we are in."""
    return Month.containing(utcnow())


def live_scores(kind: str, month: Month, rule: Rule | None = None, now=None, lines_key=None) -> list[UnitScore]:
    """This month's scores as the data stands `now` (the draft), tallied from the lines of an up-to-date stage if its
    key is given."""
    rule = rule or rule_for(kind)
    if lines_key is not None:
        rows, volumes = tally_lines(kind, staging.stored_lines(lines_key, kind))
    else:
        rows, volumes = tally(kind, month, now or utcnow())
    return score_units(kind, rows, volumes, rule)


def live_unit(kind: str, month: Month, unit_id: int, metric: str, rule: Rule):
    """One unit's live figure for one metric (the drill-down's header), or None if there is no such unit."""
    rows, volumes = tally(kind, month, utcnow(), only=[metric], unit_id=unit_id)
    return next((u for u in score_units(kind, rows, volumes, rule) if u.unit_id == unit_id), None)


def live_result(month: Month, *, with_report: bool = True, previous_draft=None, lines_key=None) -> dict:
    """Everything a month's pages show, computed now: rules and both rankings, and (unless only the
    rankings are wanted) the centre's figures, last month's for comparison, exclusions and appeals.
    `previous_draft`: last month's stored draft, if the caller has a fresh one, for the comparison when last
    month is not published yet (a draft compares with a draft; a publication always tallies both afresh).
    `lines_key`: the month's stage, just brought up to date (`staging.catch_up`), to tally the rankings from."""
    now = utcnow()
    rules = {kind: rule_for(kind) for kind in UNIT_KINDS}
    units = {k: live_scores(k, month, rules[k], now, lines_key) for k in UNIT_KINDS}  # one moment for the result
    staged = dict(staging.ready_stages(), **{str(month): -lines_key}) if lines_key is not None else {}
    return _result(month, now, rules, units, with_report, previous_draft, staged)


def _result(month, now, rules, units, with_report=True, previous_draft=None, staged=None) -> dict:
    """The month's result; `staged`: the stages just brought up to date, by month text, whose cases and clocks give
    a month's received-based 办结率 and on-time rates."""
    staged = staged or {}
    result = {
        "month": str(month),
        "rules": {k: r.as_dict() for k, r in rules.items()},
        "units": {k: [u.as_dict() for u in units[k]] for k in UNIT_KINDS},
        "exclusions": exclusions_in(month, now),
        "appeals": appeals_in(month, now),
        # Both 办结率, month and year to date: the month page shows them as well as the report.
        "completion": report.completion_rates(month, now, staged.get(str(month))),
    }
    if with_report:
        result["center"] = report.month_figures(month, now, staged.get(str(month)))
        result["previous"] = _previous_figures(month, now, previous_draft, staged.get(str(month.previous())))
    return result


def _previous_figures(month: Month, now, previous_draft=None, previous_stage=None) -> dict:
    """Last month's figures for the comparison: the frozen ones if it was published (a version published before
    both 办结率 were kept has no "completion": nothing to compare with), else its given draft, else tallied now."""
    run = latest_run(month.previous())
    if run is not None:
        return dict(run.summary["center"], completion=run.summary.get("completion"))
    if previous_draft is not None and "center" in previous_draft:
        return dict(previous_draft["center"], completion=previous_draft.get("completion"))
    return dict(report.month_figures(month.previous(), now, previous_stage),
                completion=report.completion_rates(month.previous(), now, previous_stage))


def latest_run(month: Month, version: int | None = None):
    """The published version of a month (the newest unless a version is asked for), or None."""
    query = select(AssessmentRun).where(AssessmentRun.month == str(month))
    if version is not None:
        query = query.where(AssessmentRun.version == version)
    return db.session.scalars(query.order_by(AssessmentRun.version.desc()).limit(1)).first()


def latest_runs(months) -> dict:
    """The newest published version of each of these months that has one, by month text."""
    texts = [str(m) for m in months]
    if not texts:
        return {}
    newest = (select(AssessmentRun.month, func.max(AssessmentRun.version).label("version"))
              .where(AssessmentRun.month.in_(texts)).group_by(AssessmentRun.month).subquery())
    runs = db.session.scalars(select(AssessmentRun).join(newest, and_(
        AssessmentRun.month == newest.c.month, AssessmentRun.version == newest.c.version))).all()
    return {run.month: run for run in runs}


def runs_of(month: Month) -> list:
    """Every published version of a month, newest first."""
    return db.session.scalars(select(AssessmentRun).where(AssessmentRun.month == str(month))
                              .order_by(AssessmentRun.version.desc())).all()


def published_months() -> list[str]:
    """Months that have been published, newest first."""
    return list(db.session.scalars(select(AssessmentRun.month).distinct().order_by(AssessmentRun.month.desc())))


def publish_month(month: Month, actor, note: str = "", republish: bool = False) -> AssessmentRun:
    """Freeze a month: its figures, scores and every line behind them. Publishing again is a new version,
    allowed only when asked for explicitly and with a reason; earlier versions stay readable. Calendar corrections
    held back for the month (its settled clocks' corrected due times) are applied first. The lines of last month and
    the two before it come from the SLA worker's stage when it has one ready, brought up to date first
    (app/assessment/staging.py); otherwise they are written now."""
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
    apply_held_corrections(month, actor, now)
    if previous is not None:
        previous.pending_lines = 0  # only the newest version speaks for the month
    run = AssessmentRun(month=str(month), version=(previous.version + 1) if previous else 1, published_at=now,
                        published_by_id=actor.id, note=note, summary_json="{}", pending_lines=0)
    db.session.add(run)
    try:
        db.session.flush()
        # The month's lines, kept by the SLA worker and brought up to date here, or else written now.
        run.lines_key = staging.take_for_publication(month, now)
        staged = {}
        if run.lines_key is None:
            for kind in UNIT_KINDS:
                staging.write_lines(run.id, kind, month, now)
        else:  # the stages were brought up to date: the month's cases stay until the worker sweeps them
            staged = dict(staging.ready_stages(), **{str(month): -run.lines_key})
        rules, units = {}, {}
        for kind in UNIT_KINDS:
            # The published scores are tallied from the frozen lines themselves, so they always agree.
            rules[kind] = rule_for(kind)
            units[kind] = score_units(kind, *tally_lines(kind, staging.stored_lines(run.lines_id, kind)), rules[kind])
        run.summary_json = json.dumps(_result(month, now, rules, units, staged=staged), ensure_ascii=False)
        recount_pending_lines(now)  # other published months that shared a clock with this one
        drop_drafts()
        record_change(actor, "publish", "assessment_month", str(month),
                      {"version": previous.version} if previous else {}, {"version": run.version, "note": note}, now)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise EditConflict(_("刚有其他人发布了 %(m)s，请刷新后查看。", m=month.label)) from exc
    return run


def fact_lines(month: Month, kind: str, unit_id: int, metric: str, run=None, limit=200, offset=0):
    """The lines behind one figure (frozen ones for a published month), ticket number and title attached,
    and how many there are in all."""
    if run is not None:
        f = staging.stored_lines(run.lines_id, kind)
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
    if user.is_secretary:
        kind, unit_id = SECRETARY, user.id
        worked_on = [select(Ticket.id).where(Ticket.secretary_id == unit_id)]
    elif user.is_officer and user.department_id:
        kind, unit_id = DEPARTMENT, user.department_id
        worked_on = [select(Assignment.ticket_id).where(Assignment.department_id == unit_id),
                     select(ActionItem.ticket_id).where(ActionItem.owner_department_id == unit_id)]
    else:
        return dict(result, exclusions=[], appeals=[])
    # Looked up by id rather than read from the lines: versions published before the lines carried unit ids.
    appeal_ids = {a["id"] for a in result["appeals"]}
    own_appeals = set(db.session.scalars(select(Appeal.id).where(
        Appeal.id.in_(appeal_ids), Appeal.unit_kind == kind, Appeal.unit_id == unit_id))) if appeal_ids else set()
    ticket_ids = {e["ticket_id"] for e in result["exclusions"]}
    own_tickets = {t for query in worked_on for t in db.session.scalars(query.where(
        query.selected_columns[0].in_(ticket_ids)))} if ticket_ids else set()
    return dict(result, exclusions=[e for e in result["exclusions"] if e["ticket_id"] in own_tickets],
                appeals=[a for a in result["appeals"] if a["id"] in own_appeals])

