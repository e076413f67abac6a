"""一表制 (the project sheet, wall chart, figures, Excel) and 代办 (procedures) pages."""
import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.auth.decorators import roles_required
from app.enums import Role
from app.errors import ServiceError
from app.extensions import db
from app.forms import id_arg, page_arg, run_form_verb
from app.attachments import send_stored
from app.timesource import utcnow
from app.models import Enterprise, ProcedureType, Project
from app.enterprise_picker import picker_enterprises
from app.projects import queries, report, services
from app.projects.excel import sheet_workbook
from app.projects.forms import (ParkTargetForm, ProcedureForm, ProcedureTypeForm, ProcedureUpdateForm, ProjectForm,
                                StageForm)
from app.projects.gantt import gantt_svg
from app.projects.queries import PROJECT_ROLES
from app.projects.sheet_cells import stage_cells
from app.projects.sheet_figures import sheet_figures
from app.reference import active_departments
from app.tickets.queries import Page
from sla.calendar import SHANGHAI

bp = Blueprint("projects", __name__)


def _filters():
    args = request.args
    year = args.get("year", type=int) or services.today().year
    return {"park": (args.get("park") or "").strip()[:60], "industry": (args.get("industry") or "").strip()[:60],
            "secretary": id_arg("secretary", args), "year": year if 2000 <= year <= 2100 else services.today().year,
            "only_year": args.get("only_year") == "1"}


def _link_args(f) -> dict:
    """The sheet's filters as query arguments for the links between its pages: these known keys only, never the
    raw query string (url_for would take `endpoint`, `key`, `_external`, `_scheme`, `_anchor` … as its own)."""
    args = {"park": f["park"], "industry": f["industry"], "secretary": f["secretary"],
            "year": f["year"] if request.args.get("year") else None, "only_year": "1" if f["only_year"] else None}
    return {k: v for k, v in args.items() if v}


def _figures(projects, f):
    """The figures with the words behind each project (the drill-down's)."""
    return report.report_figures(projects, f["year"], report.target_totals(f["year"], f["park"]), details=True)


SHEET_PAGE_SIZE = 100


@bp.get("/projects")
@roles_required(*PROJECT_ROLES)
def sheet():
    """The tracking sheet: a row per project, a column per stage, each cell coloured by how it stands."""
    f = _filters()
    parks, industries, secretaries = queries.sheet_choices()
    # The figures count every project under the filters, from their dates alone (kept while the sheet's data is
    # unchanged); the table shows a page of them (a centre's sheet can hold thousands: 10,000 rows took 0.8 s to render
    # alone). The Excel export holds them all.
    page = queries.sheet_page(f, page_arg(), SHEET_PAGE_SIZE)
    return render_template("projects/sheet.html", projects=page.items, page=page, stages=services.stages(), f=f,
                           figures=sheet_figures(f), today=services.today(),
                           stage_cells=stage_cells, parks=parks, industries=industries,
                           secretaries=secretaries, filter_args=_link_args(f))


FIGURE_PAGE_SIZE = 100


@bp.get("/projects/figures/<key>")
@roles_required(*PROJECT_ROLES)
def figure(key):
    """The projects behind one figure, a page at a time, with what each contributed."""
    f = _filters()
    found = next((fig for fig in sheet_figures(f, projects=True) if fig.key == key), None)
    if found is None:
        abort(404)
    # The figure's projects, in its order, from the kept figures; the dates and words (working days) for the page's
    # alone: a project's part in a figure depends on its own dates only (10,000 projects: 6,890 counted in 2026,
    # 0.85 s and 650 KB for the whole list of one figure), and figures the SLA worker kept hold no dates.
    page = Page.of_list(found.projects, page_arg(), FIGURE_PAGE_SIZE)
    page.items = queries.project_dates([p.id for p in page.items])
    worded = next(fig for fig in _figures(page.items, f) if fig.key == key)
    named = queries.projects_by_id(p.id for p in page.items)
    page.items = [(named[p.id], worded.detail.get(p.id, "")) for p in page.items if p.id in named]
    return render_template("projects/figure.html", fig=found, page=page, f=f, filter_args=_link_args(f))


@bp.route("/projects/targets", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def targets():
    """The parks' yearly targets (新开工, 投产, 落地开工率), set by supervisors."""
    year = request.args.get("year", type=int) or services.today().year
    year = year if 2000 <= year <= 2100 else services.today().year
    form = ParkTargetForm()
    if request.method == "GET":
        form.year.data = year
    status = 200
    if request.method == "POST":
        refused = run_form_verb(form, lambda: report.set_park_target(
            current_user, year=form.year.data, park=form.park.data, new_starts=form.new_starts.data,
            in_production=form.in_production.data, start_rate=form.start_rate.data))
        if refused is None:
            flash(_("年度目标已保存。"), "success")
            return redirect(url_for("projects.targets", year=form.year.data), 303)
        if not form.errors:  # the service refused: said under the park
            form.park.errors = [refused.message]
        status = refused.status
        year = form.year.data if isinstance(form.year.data, int) and 2000 <= form.year.data <= 2100 else year
    parks, _industries, _secretaries = queries.sheet_choices()
    return render_template("projects/targets.html", form=form, year=year, rows=report.targets(year),
                           parks=parks), status


@bp.get("/projects/gantt")
@roles_required(*PROJECT_ROLES)
def gantt():
    """挂图作战: planned against actual, drawn on the server as SVG for a wall screen."""
    f = _filters()
    page = queries.sheet_page(f, page_arg(), SHEET_PAGE_SIZE)  # a wall holds a page of rows, not 10,000
    svg = gantt_svg(page.items, services.stages(), services.today())
    return render_template("projects/gantt.html", svg=svg, page=page, f=f, filter_args=_link_args(f))


@bp.get("/projects/sheet.xlsx")
@roles_required(*PROJECT_ROLES)
def export():
    """The sheet as an Excel workbook with the same colours (text cells never become formulas)."""
    f = _filters()
    data = sheet_workbook(queries.sheet_projects(f), services.stages(), services.today())
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"一表制-{services.today()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/projects/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def new_project():
    """Put a project on the sheet."""
    form = ProjectForm(enterprises=picker_enterprises(current_user, [id_arg("enterprise_id")],
                                                      request.args.get("enterprise_q", "")))
    if form.validate_on_submit():
        try:
            project = services.create_project(
                current_user, db.session.get(Enterprise, int(form.enterprise_id.data)), name=form.name.data,
                investment_wan=form.investment_wan.data, industry=form.industry.data, park=form.park.data,
                leader=form.leader.data)
        except ServiceError as exc:
            db.session.rollback()
            form.name.errors = [exc.message]
        else:
            flash(_("项目已建立，请填写各阶段计划日期。"), "success")
            return redirect(url_for("projects.detail", project_id=project.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("projects/new.html", form=form), status


def _project(project_id) -> Project:
    return db.session.get(Project, project_id) or abort(404)


def _row_helpers():
    """What the pages with procedure rows and histories need besides their data."""
    now = utcnow()
    today = now.astimezone(SHANGHAI).date()
    return {"can_update": services.can_update_procedure, "describe": services.describe_change,
            "earliest": services.EARLIEST, "latest_plan": services.latest_plan(today), "today": today, "now": now}


def _detail_page(project, *, errors=None, status=200, typed=None, ask_reason=False):
    """The project page; after a refused save, `typed` keeps what the person typed ({stage_id: {…}, "reason": …})
    and `ask_reason` opens the reason box for stage dates out of order."""
    tickets = queries.project_tickets(current_user, project)
    return render_template("projects/detail.html", project=project, stages=services.stages(),
                           cell_state=services.cell_state, tickets=tickets, errors=errors or [],
                           typed=typed, ask_reason=ask_reason,
                           can_edit=services.can_edit_project(current_user, project),
                           update_form=ProcedureUpdateForm(), **_row_helpers()), status


@bp.get("/projects/<int:project_id>")
@roles_required(*PROJECT_ROLES)
def detail(project_id):
    """One project: its stages, procedures and the problems (tickets) raised on it."""
    return _detail_page(_project(project_id))


def _date(value):
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


@bp.post("/projects/<int:project_id>/milestones")
@roles_required(Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN)
def milestones(project_id):
    """Save planned and actual dates of every stage (the project's secretary, supervisors, admins)."""
    project = _project(project_id)
    try:
        services.require_project_edit(current_user, project)  # before the input is even read
    except ServiceError as exc:
        return _detail_page(project, errors=[exc.message], status=exc.status)
    if not FlaskForm().validate_on_submit():
        return _detail_page(project, errors=[_("页面已过期，请刷新后重试。")], status=400)
    typed = {stage.id: {key: request.form.get(f"{key}_{stage.id}", "") for key in ("planned", "actual", "owner", "work")}
             for stage in services.stages()}
    typed["reason"] = request.form.get("order_reason", "")
    dates, details = {}, {}
    try:
        for stage in services.stages():
            dates[stage.id] = (_date(typed[stage.id]["planned"]), _date(typed[stage.id]["actual"]))
            details[stage.id] = (typed[stage.id]["owner"], typed[stage.id]["work"])
    except ValueError:
        return _detail_page(project, errors=[_("日期格式应为 年-月-日。")], status=400, typed=typed)
    try:
        services.set_milestones(current_user, project, dates, details=details, order_reason=typed["reason"])
    except ServiceError as exc:
        db.session.rollback()
        return _detail_page(_project(project_id), errors=[exc.message], status=exc.status, typed=typed,
                            ask_reason=isinstance(exc, services.OrderUnconfirmed) or bool(typed["reason"]))
    flash(_("阶段日期已保存。"), "success")
    return redirect(url_for("projects.detail", project_id=project_id), 303)


# ---- 代办 -------------------------------------------------------------------------------------------------

@bp.get("/procedures")
@login_required
def procedures():
    """代办 list, by secretary, department (officers: their department's) and status, with this month's count."""
    status = request.args.get("status", "")
    secretary = id_arg("secretary", request.args)
    department = id_arg("department", request.args)
    page_no = page_arg()
    page = queries.procedure_rows(current_user, status=status, secretary=secretary, department=department,
                                  page=page_no)
    helpers = _row_helpers()
    done_this_month = queries.approved_in_month(current_user, helpers["today"])
    secretaries = queries.secretaries()
    return render_template("projects/procedures.html", page=page, rows=page.items, done_this_month=done_this_month,
                           status=status, secretary=secretary, department=department, secretaries=secretaries,
                           departments=active_departments(), update_form=ProcedureUpdateForm(), **helpers)


@bp.route("/procedures/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def new_procedure():
    """Start a procedure for an enterprise, or for a project's stage."""
    project_id = id_arg("project_id")
    project = db.session.get(Project, project_id) if project_id else None
    if project is not None:
        services.require_project_edit(current_user, project)  # 403 with the reason
    project_stages = sorted((m.stage for m in project.milestones), key=lambda s: (s.position, s.id)) if project else []
    enterprises = [project.enterprise] if project is not None else picker_enterprises(
        current_user, [id_arg("enterprise_id")], request.args.get("enterprise_q", ""))
    form = ProcedureForm(types=queries.active_procedure_types(), stages=project_stages, enterprises=enterprises)
    if project is not None and request.method == "GET":
        form.enterprise_id.data = str(project.enterprise_id)
        stage_id = id_arg("stage_id")
        if stage_id and any(s.id == stage_id for s in project_stages):
            form.stage_id.data = str(stage_id)
    if form.validate_on_submit():
        enterprise = project.enterprise if project else db.session.get(Enterprise, int(form.enterprise_id.data or 0))
        try:
            services.create_procedure(current_user, enterprise, form.type_id.data, project=project,
                                      stage_id=int(form.stage_id.data) if form.stage_id.data else None,
                                      note=form.note.data)
        except ServiceError as exc:
            db.session.rollback()
            form.type_id.errors = [exc.message]
        else:
            flash(_("代办事项已登记。"), "success")
            if project:
                return redirect(url_for("projects.detail", project_id=project.id), 303)
            return redirect(url_for("projects.procedures"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("projects/new_procedure.html", form=form, project=project), status


@bp.post("/procedures/<int:procedure_id>")
@login_required
def update_procedure(procedure_id):
    """Move a procedure on (submitted, approved …); its due date follows the calendar. Its own secretary, officers
    of the issuing department, supervisors and admins; others who can see it are refused (403)."""
    procedure = _visible_procedure(procedure_id)
    services.require_procedure_update(current_user, procedure)  # 403 with the reason, before the input is read
    form = ProcedureUpdateForm()
    target = _procedure_back(procedure)
    refused = run_form_verb(form, lambda: services.update_procedure(
        current_user, procedure, status=form.status.data, submitted_on=form.submitted_on.data,
        approved_on=form.approved_on.data, note=form.note.data))
    flash(refused.message if refused else _("代办事项已更新。"), "danger" if refused else "success")
    return redirect(target, 303)


@bp.post("/procedures/<int:procedure_id>/documents")
@login_required
def upload_documents(procedure_id):
    """Add files to a procedure: those who may move it on (others are refused with 403, before the upload is read)."""
    procedure = _visible_procedure(procedure_id)
    services.require_procedure_update(current_user, procedure)
    target = _procedure_back(procedure)
    refused = run_form_verb(FlaskForm(), lambda: services.attach_documents(current_user, procedure,
                                                                          request.files.getlist("documents")))
    flash(refused.message if refused else _("材料已上传。"), "danger" if refused else "success")
    return redirect(target, 303)


@bp.get("/procedures/<int:procedure_id>/documents/<int:document_id>")
@login_required
def download_document(procedure_id, document_id):
    """A procedure's file, for those who may see the procedure, always as a download."""
    procedure = _visible_procedure(procedure_id)
    document = queries.procedure_document(procedure, document_id) or abort(404)
    return send_stored(document)


def _visible_procedure(procedure_id):
    return queries.visible_procedure(current_user, procedure_id) or abort(404)


def _procedure_back(procedure):
    if request.form.get("back") == "project" and procedure.project_id:
        return url_for("projects.detail", project_id=procedure.project_id)
    return url_for("projects.procedures")


# ---- admin: procedure catalogue and stages ----------------------------------------------------------------

def _department_id(form):
    return int(form.department_id.data) if form.department_id.data else None


@bp.route("/admin/procedure-types", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def procedure_types():
    """The procedure catalogue (who issues each, standard working days) and the sheet's stages."""
    form, stage_form = ProcedureTypeForm(departments=active_departments()), StageForm(prefix="stage")
    status = 200
    if request.method == "POST" and request.form.get("kind") == "stage":
        if stage_form.validate_on_submit():
            try:
                services.add_stage(current_user, stage_form.name.data)
            except ServiceError as exc:
                db.session.rollback()
                stage_form.name.errors = [exc.message]
                status = exc.status
            else:
                flash(_("已新增阶段。"), "success")
                return redirect(url_for("projects.procedure_types"), 303)
        else:
            status = 400
    elif request.method == "POST":
        if form.validate_on_submit():
            try:
                services.add_procedure_type(current_user, form.name.data, _department_id(form),
                                            form.standard_wd.data)
            except ServiceError as exc:
                db.session.rollback()
                form.name.errors = [exc.message]
                status = exc.status
            else:
                flash(_("已新增代办事项类型。"), "success")
                return redirect(url_for("projects.procedure_types"), 303)
        else:
            status = 400
    types = queries.procedure_types()
    return render_template("projects/admin.html", form=form, stage_form=stage_form, types=types,
                           stages=services.stages()), status


@bp.post("/admin/procedure-types/<int:type_id>")
@roles_required(Role.ADMIN)
def edit_procedure_type(type_id):
    """Change who issues a procedure, its standard working days, or retire it."""
    kind = db.session.get(ProcedureType, type_id) or abort(404)
    form = ProcedureTypeForm(departments=active_departments())
    form.name.data = form.name.data or kind.name
    refused = run_form_verb(form, lambda: services.update_procedure_type(
        current_user, kind, name=form.name.data, department_id=_department_id(form),
        standard_wd=form.standard_wd.data, active=request.form.get("active") == "y"))
    flash(refused.message if refused else _("已保存。"), "danger" if refused else "success")
    return redirect(url_for("projects.procedure_types"), 303)
