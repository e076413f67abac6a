"""Monthly assessment pages: rankings, drill-downs, publishing, the centre report and its Excel, appeals,
exclusions, the evaluation invitations, the weights, and the live board for the service hall. The enterprises'
evaluation form lives in public_views.py and is routed here."""
import hmac
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.assessment import charts, drafts, evaluation, hall as hall_board, public_views, publishing, report, rules
from app.assessment.appeals import (appeals_for, decide_appeal, exclude_ticket, file_appeal, include_ticket,
                                    pending_appeals, ticket_panel)
from app.assessment.excel import report_workbook
from app.assessment.forms import AppealDecisionForm, AppealForm, PublishForm, ReasonForm, rule_form
from app.assessment.metrics import (AWARD_LABELS, BY_KEY, METRICS, SECRETARY, UNIT_KINDS, UNIT_LABELS, figure_text,
                                    reason_label)
from app.assessment.period import Month
from app.assessment.scoring import BELOW_MINIMUM, NO_TICKETS, RANKED, UnitScore, citation
from app.assessment.units import unit_name
from app.auth.decorators import roles_required
from app.timesource import utcnow
from app.enums import AppealStatus, Channel, ClockKind, OPEN_STATES, Role, SlaLevel, TicketState
from app.errors import ServiceError
from app.extensions import db
from app.forms import id_arg, page_arg, run_form_verb
from app.models import Appeal
from app.tickets.views import viewable_ticket

bp = Blueprint("assessment", __name__)
PAGE = 200


def _month(text) -> Month:
    month = Month.parse(text)
    if month is None or month.start > utcnow():
        abort(404)
    return month


def _pick(month: Month):
    """(run, is_draft): a supervisor sees the live draft when asked or when nothing is published; everyone
    else only published versions (run None and not a draft: nothing to show)."""
    version = id_arg("version")
    if version is not None:
        return publishing.latest_run(month, version) or abort(404), False
    run = publishing.latest_run(month)
    if current_user.is_supervisor and (run is None or request.args.get("view") == "draft"):
        return run, True
    return run, False


def _choose(month: Month, with_report=True):
    """(result, run, is_draft) for the month as this person may see it: exclusions and appeals only where
    they concern the person's own unit (all of them for supervisors)."""
    run, draft = _pick(month)
    if draft:
        result = drafts.draft_result(month, with_report=with_report)
    else:
        result = run.summary if run else None
    if result is not None:
        result = publishing.own_review_lines(result, current_user)
    return result, run, draft


def _can_drill(kind, unit_id, draft):
    if current_user.is_supervisor:
        return True
    if draft:
        return False
    # The lines name tickets and carry exclusion and appeal reasons: supervisors, and each unit its own only.
    if kind == SECRETARY:
        return current_user.is_secretary and current_user.id == unit_id
    return current_user.is_officer and current_user.department_id == unit_id


def _view_args(run, draft):
    if draft:
        return {"view": "draft"}
    return {"version": run.version} if run is not None and request.args.get("version") else {}


def _next(month):
    """The following month if it has begun (pages of future months do not exist)."""
    following = month.next()
    return following if following.start <= utcnow() else None


def _units(result):
    return {kind: [UnitScore.from_dict(u) for u in result["units"][kind]] for kind in UNIT_KINDS}


@bp.get("/assessment")
@login_required
def index():
    """Months to look at: recent months for supervisors (draft or published), published ones for everyone."""
    published = publishing.published_months()
    months = []
    if current_user.is_supervisor:
        m = publishing.current_month()
        for _i in range(12):
            months.append(m)
            m = m.previous()
    else:
        months = [Month.parse(p) for p in published]
    return render_template("assessment/index.html", months=months, published=set(published),
                           pending_appeals=pending_appeals() if current_user.is_supervisor else 0)


@bp.get("/assessment/<month_text>")
@login_required
def month_page(month_text):
    """The month's rankings of secretaries and departments, with the award winners and how each score came."""
    month = _month(month_text)
    result, run, draft = _choose(month, with_report=False)
    form = PublishForm()
    return _render_month(month, result, run, draft, form)


def _render_month(month, result, run, draft, form, status=200):
    units = _units(result) if result else None
    return render_template(
        "assessment/month.html", month=month, result=result, run=run, draft=draft, units=units,
        runs=publishing.runs_of(month), form=form, metrics=METRICS, labels=UNIT_LABELS, awards=AWARD_LABELS,
        view_args=_view_args(run, draft), can_drill=lambda kind, uid: _can_drill(kind, uid, draft),
        citation=citation, RANKED=RANKED, BELOW_MINIMUM=BELOW_MINIMUM, NO_TICKETS=NO_TICKETS,
        figure_text=figure_text, completion_text=report.completion_text,
        month_over=month.end <= utcnow(), next_month=_next(month)), status


@bp.post("/assessment/<month_text>/publish")
@roles_required(Role.SUPERVISOR)
def publish(month_text):
    """Freeze the month (or publish a new version of it, with a reason)."""
    month = _month(month_text)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            run = publishing.publish_month(month, current_user, form.note.data or "",
                                           republish=form.republish.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            result, run, draft = _choose(month, with_report=False)
            return _render_month(month, result, run, draft, form, status=exc.status)
        flash(_("%(m)s 考评已发布（第 %(v)d 版）。", m=month.label, v=run.version), "success")
        return redirect(url_for("assessment.month_page", month_text=str(month)), 303)
    result, run, draft = _choose(month, with_report=False)
    return _render_month(month, result, run, draft, form, status=400)


@bp.post("/assessment/<month_text>/recompute")
@roles_required(Role.SUPERVISOR)
def recompute(month_text):
    """Mark the stored draft figures out of date: the page computes them from the data as it stands now (a slow
    month: the SLA worker does, within a minute, and the page says so)."""
    month = _month(month_text)
    refused = run_form_verb(FlaskForm(), drafts.drop_drafts)
    if refused:
        flash(refused.message, "danger")
    else:
        db.session.commit()
    target = "assessment.report_page" if request.form.get("page") == "report" else "assessment.month_page"
    return redirect(url_for(target, month_text=str(month), view="draft"), 303)


@bp.get("/assessment/<month_text>/<kind>/<int:unit_id>/<metric>")
@login_required
def drill(month_text, kind, unit_id, metric):
    """The tickets behind one figure, each with the reason it counts or not."""
    month = _month(month_text)
    if kind not in UNIT_KINDS or metric not in {m.key for m in METRICS[kind]}:
        abort(404)
    run, draft = _pick(month)
    if not draft and run is None:
        abort(404)
    if not _can_drill(kind, unit_id, draft):
        abort(403)
    if draft:
        rule = rules.rule_for(kind)
        unit, weights = publishing.live_unit(kind, month, unit_id, metric, rule), rule.weights
    else:
        summary = run.summary
        unit = next((UnitScore.from_dict(u) for u in summary["units"][kind] if u["unit_id"] == unit_id), None)
        weights = summary["rules"][kind]["weights"]
    if unit is None:
        abort(404)
    page = max(1, min(id_arg("page") or 1, 100000))
    rows, total = publishing.fact_lines(month, kind, unit_id, metric, run=None if draft else run, limit=PAGE,
                                        offset=(page - 1) * PAGE)
    return render_template("assessment/drill.html", month=month, unit=unit, kind=kind, metric=BY_KEY[metric],
                           fig=unit.figures[metric], rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE)),
                           run=run, draft=draft, view_args=_view_args(run, draft), reason_label=reason_label,
                           labels=UNIT_LABELS, weights=weights, figure_text=figure_text)


@bp.get("/assessment/<month_text>/report")
@login_required
def report_page(month_text):
    """The centre's monthly report: figures, month-on-month, charts, rankings and citations; prints on A4."""
    month = _month(month_text)
    result, run, draft = _choose(month)
    if result is None:
        return render_template("assessment/unpublished.html", month=month), 404
    units = _units(result)
    c, p = result["center"], result["previous"]
    chart = {
        "channels": charts.bar_chart([(Channel(code).label, n) for code, n in c["by_channel"] if n],
                                     label=_("按渠道")),
        "categories": charts.bar_chart(c["by_category"][:12], label=_("按类别")),
        "trend": charts.trend_chart(c["trend"], label=_("近六个月收到与办结"), legend=(_("收到"), _("办结"))),
    }
    for kind in UNIT_KINDS:
        ranked = [u for u in units[kind] if u.status == RANKED]
        chart[kind] = charts.bar_chart([(u.name, u.score) for u in ranked], label=str(UNIT_LABELS[kind]),
                                       max_value=100, highlight={u.name for u in ranked if u.gold})
    return render_template("assessment/report.html", month=month, result=result, c=c, p=p, run=run, draft=draft,
                           units=units, chart=chart, change=report.change, labels=UNIT_LABELS, awards=AWARD_LABELS,
                           metrics=METRICS, citation=citation, Channel=Channel, ClockKind=ClockKind, RANKED=RANKED,
                           view_args=_view_args(run, draft), AppealStatus=AppealStatus, next_month=_next(month),
                           figure_text=figure_text, completion_text=report.completion_text,
                           remediation_text=report.remediation_text)


@bp.get("/assessment/<month_text>/report.xlsx")
@login_required
def report_excel(month_text):
    """The monthly report as an Excel workbook, a sheet per table."""
    month = _month(month_text)
    result, run, draft = _choose(month)
    if result is None:
        abort(404)
    if not draft:
        status = _("已发布 第 %(v)d 版", v=run.version)
    elif result.get("recomputing"):
        # The stored figures of a slow month, while the SLA worker recomputes it: the workbook says so too.
        status = _("草稿（%(at)s 计算；之后的决定尚未计入，正在重算）", at=drafts.computed_text(result))
    else:
        status = _("草稿（%(at)s 计算）", at=drafts.computed_text(result))
    data = report_workbook(result, month.label, status)
    name = f"月度考评-{month}{'-草稿' if draft else f'-v{run.version}'}.xlsx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- exclusions and appeals --------------------------------------------------------------------------------

def _back(ticket):
    return redirect(url_for("tickets.detail", ticket_id=ticket.id) + "#assessment", 303)


def _ticket_verb(ticket_id, form_class, verb, done_message):
    """Run `verb(ticket, actor, reason)` from a reason form on the ticket page; back to the ticket either way."""
    ticket = viewable_ticket(ticket_id)
    form = form_class()
    refused = run_form_verb(form, lambda: verb(ticket, current_user, form.reason.data))
    flash(refused.message if refused else done_message, "danger" if refused else "success")
    return _back(ticket)


@bp.post("/assessment/tickets/<int:ticket_id>/exclude")
@roles_required(Role.SUPERVISOR)
def exclude(ticket_id):
    """不纳入考核 for one ticket, with a reason."""
    return _ticket_verb(ticket_id, ReasonForm, exclude_ticket, _("已设为不纳入考核。"))


@bp.post("/assessment/tickets/<int:ticket_id>/include")
@roles_required(Role.SUPERVISOR)
def include(ticket_id):
    """Put an excluded ticket back into the scores, with a reason."""
    return _ticket_verb(ticket_id, ReasonForm, include_ticket, _("已恢复纳入考核。"))


@bp.post("/assessment/tickets/<int:ticket_id>/appeal")
@roles_required(Role.SECRETARY, Role.OFFICER)
def appeal(ticket_id):
    """申诉: ask that this ticket not count against one's own unit."""
    return _ticket_verb(ticket_id, AppealForm, file_appeal, _("申诉已提交，督办人员处理后会在考评中体现。"))


@bp.get("/assessment/appeals")
@login_required
def appeals():
    """Appeals: all of them with decision forms for supervisors, one's own unit's for the others."""
    rows = appeals_for(current_user)
    return render_template("assessment/appeals.html", appeals=rows, form=AppealDecisionForm(),
                           unit_name=unit_name, labels=UNIT_LABELS, AppealStatus=AppealStatus)


@bp.post("/assessment/appeals/<int:appeal_id>/decide")
@roles_required(Role.SUPERVISOR)
def decide(appeal_id):
    """Accept or reject an appeal with a reason."""
    item = db.session.get(Appeal, appeal_id) or abort(404)
    form = AppealDecisionForm()
    refused = run_form_verb(form, lambda: decide_appeal(item, current_user, form.decision.data == "accept",
                                                        form.reason.data))
    flash(refused.message if refused else _("申诉已处理。"), "danger" if refused else "success")
    return redirect(url_for("assessment.appeals"), 303)


def panel_context(ticket) -> dict:
    """What the ticket page's 考核 panel shows this person: exclusion, appeals, and the forms they may use."""
    return {**ticket_panel(current_user, ticket), "reason_form": ReasonForm(), "appeal_form": AppealForm(),
            "unit_name": unit_name, "AppealStatus": AppealStatus}


# --- enterprise evaluation -------------------------------------------------------------------------------

@bp.get("/assessment/<month_text>/invitations")
@roles_required(Role.SUPERVISOR)
def invitations(month_text):
    """Enterprises active in the month and their personal evaluation links, to send by email or SMS."""
    month = _month(month_text)
    page, verified = evaluation.invitation_page(month, page_arg())
    return render_template("assessment/invitations.html", month=month, rows=page.items, page=page, verified=verified)


@bp.post("/assessment/<month_text>/invitations/send")
@roles_required(Role.SUPERVISOR)
def send_invitations(month_text):
    """Queue the month's evaluation invitations (SMS, and email where given) to every verified contact, once."""
    month = _month(month_text)
    try:
        invited, unverified = evaluation.send_invitations(current_user, month)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("已向 %(n)d 家企业发送评价邀请（此前已发送的不重复发送）。%(u)d 家企业联系人未核实，未发送。",
                n=invited, u=unverified), "success")
    return redirect(url_for("assessment.invitations", month_text=str(month)), 303)


# The enterprises' evaluation page, routed here so that its endpoint stays `assessment.evaluate`; its code imports
# only the evaluation module (public_views.py).
bp.add_url_rule("/evaluate/<token>", view_func=public_views.evaluate, methods=["GET", "POST"])


# --- weights -----------------------------------------------------------------------------------------------

@bp.route("/admin/scoring", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def scoring_rules():
    """Weights per metric (adding up to 100), minimum volume, award bar and visit target, per kind of unit."""
    forms, status = {}, 200
    for kind in UNIT_KINDS:
        rule = rules.rule_for(kind)
        data = {"min_tickets": rule.min_tickets, "gold_min_score": rule.gold_min_score,
                "visit_target": rule.visit_target, **{f"w_{k}": v for k, v in rule.weights.items()}}
        posted = request.method == "POST" and request.form.get("kind") == kind
        forms[kind] = rule_form(kind)(data=None if posted else data, prefix=kind)
    if request.method == "POST":
        kind = request.form.get("kind")
        form = forms.get(kind) or abort(400)
        if form.validate_on_submit():
            try:
                rules.save_rule(kind, current_user, {m.key: getattr(form, f"w_{m.key}").data for m in METRICS[kind]},
                                form.min_tickets.data, form.gold_min_score.data, form.visit_target.data)
            except ServiceError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
                status = exc.status
            else:
                flash(_("考核规则已保存，新规则用于尚未发布的月份。"), "success")
                return redirect(url_for("assessment.scoring_rules"), 303)
        else:
            status = 400
    return render_template("assessment/rules.html", forms=forms, metrics=METRICS, labels=UNIT_LABELS), status


# --- the live board ----------------------------------------------------------------------------------------

def _kiosk_ok() -> bool:
    if current_user.is_authenticated:
        return True
    expected = current_app.config.get("KIOSK_TOKEN") or ""
    given = request.args.get("token", "")
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def _board_context():
    """The board's figures (hall.py) and what its template needs to show them."""
    live = current_user.is_authenticated and current_user.is_supervisor  # a draft: supervisors only
    return dict(hall_board.board(utcnow(), live=live), states=TicketState, open_states=OPEN_STATES, labels=UNIT_LABELS,
                SlaLevel=SlaLevel, token=request.args.get("token", "")[:200], completion_text=report.completion_text)


@bp.get("/hall")
def hall():
    """大屏: the service hall's live board; a logged-in person or the configured kiosk token may open it."""
    if not _kiosk_ok():
        return redirect(url_for("auth.login", next=request.path))
    return render_template("assessment/hall.html", **_board_context())


@bp.get("/hall/panel")
def hall_panel():
    """The board's contents, polled by HTMX every 30 seconds."""
    if not _kiosk_ok():
        abort(403)
    return render_template("assessment/_hall_panel.html", **_board_context())
