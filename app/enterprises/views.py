"""Enterprises (list, new, edit, contacts, 联系秘书) and the secretaries' visits to them."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.auth.decorators import roles_required
from app.assessment.rules import rule_for
from app.enterprises import desk
from app.enterprise_picker import picker_enterprises, picker_page
from app.enterprises.forms import (AssignForm, ContactForm, ContactsForm, EnterpriseDetailsForm, EnterpriseForm,
                                   VisitForm)
from app.enterprises.services import log_visit, set_sms_opt_out, verify_contact
from app.enums import Role
from app.errors import ServiceError
from app.extensions import db
from app.forms import id_arg, page_arg, run_form_verb
from app.timesource import utcnow
from sla.calendar import SHANGHAI
from app.models import Enterprise, Meeting, Procedure, Project, Ticket, User, Visit, meeting_ticket
from app.projects.queries import visible_procedures
from app.tickets.access import visible_filter
from app.tickets.queries import Page, clamp_page

bp = Blueprint("enterprises", __name__)

ENTERPRISE_ROLES = (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN)


MANAGERS = (Role.SUPERVISOR, Role.ADMIN)


def _list_query(q, secretary):
    query = select(Enterprise).outerjoin(User, User.id == Enterprise.secretary_id)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like),
                                Enterprise.park.ilike(like), User.display_name.ilike(like)))
    if secretary == "none":
        query = query.where(Enterprise.secretary_id.is_(None))
    elif secretary:
        query = query.where(Enterprise.secretary_id == int(secretary))
    return query


@bp.get("/enterprises/options")
@roles_required(*ENTERPRISE_ROLES)
def enterprise_options():
    """The staff forms' enterprise picker narrowed to what was typed (htmx): its <option>s, the chosen one kept."""
    chosen = id_arg("enterprise_id", request.args)
    rows, more = picker_page(current_user, [chosen], request.args.get("enterprise_q", ""))
    return render_template("enterprises/_options.html", enterprises=rows, chosen=chosen, more=more)


@bp.get("/enterprises")
@roles_required(*ENTERPRISE_ROLES)
def enterprise_list():
    """Enterprises in the zone, searchable by name, credit code, park or secretary, and by 联系秘书 (or none);
    supervisors and admins tick several to give them a 联系秘书 at once."""
    q = (request.args.get("q") or "").strip()[:60]
    page_no = min(id_arg("page", request.args) or 1, 100000)
    secretary = request.args.get("secretary") or ""
    if request.args.get("mine") and current_user.is_secretary:
        secretary = str(current_user.id)
    if secretary != "none" and not id_arg("secretary", {"secretary": secretary}):
        secretary = ""
    query = _list_query(q, secretary)
    per_page = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.options(joinedload(Enterprise.secretary)).order_by(Enterprise.name, Enterprise.id)
                               .limit(per_page).offset((page_no - 1) * per_page)).all()
    secretaries = desk.secretary_choices()
    return render_template("enterprises/list.html", page=Page(items, total, page_no, per_page), q=q,
                           secretary=secretary, secretaries=secretaries, mine=bool(request.args.get("mine")),
                           can_manage=desk.can_manage(current_user), assign_form=AssignForm())


@bp.post("/enterprises/assign")
@roles_required(*MANAGERS)
def assign():
    """分配联系秘书 to the ticked enterprises: a first post shows who goes from whom to whom; the confirmation
    writes it, one event per enterprise."""
    form = AssignForm()
    ids = form.ids()
    enterprises = db.session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)).order_by(Enterprise.name)).all() \
        if ids else []
    secretary_id = id_arg("secretary_id", {"secretary_id": form.secretary_id.data or ""})
    target = db.session.get(User, secretary_id) if secretary_id else None
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试。"), "danger")
        return redirect(url_for("enterprises.enterprise_list"), 303)
    if not enterprises:
        flash(_("请至少勾选一家企业。"), "danger")
        return redirect(request.referrer or url_for("enterprises.enterprise_list"), 303)
    if form.secretary_id.data != "none" and (target is None or not target.is_secretary):
        flash(_("请选择联系秘书。"), "danger")
        return redirect(request.referrer or url_for("enterprises.enterprise_list"), 303)
    if form.confirm.data != "1":
        return render_template("enterprises/assign_confirm.html", enterprises=enterprises, target=target,
                               form=form)
    try:
        changed = desk.assign_secretary(current_user, enterprises, target.id if target else None)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("已为 %(n)d 家企业变更联系秘书。", n=changed), "success")
    if len(enterprises) == 1:
        return redirect(url_for("enterprises.enterprise_detail", enterprise_id=enterprises[0].id), 303)
    return redirect(url_for("enterprises.enterprise_list"), 303)


def _blank_rows(form, extra=2):
    for _n in range(extra):
        if len(form.contacts.entries) < form.contacts.max_entries:
            form.contacts.append_entry()


@bp.route("/enterprises/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_enterprise():
    """新建企业: details, contacts (one primary) and, optionally, the 联系秘书."""
    form = EnterpriseForm(secretaries=desk.secretary_choices())
    if request.method == "GET":
        form.primary.data = "0"
        _blank_rows(form, 1)
        return render_template("enterprises/form.html", form=form, enterprise=None)
    refused = None
    if form.validate_on_submit():
        rows, primary_index = form.rows()
        try:
            enterprise = desk.create_enterprise(
                current_user, name=form.name.data, credit_code=form.credit_code.data, park=form.park.data,
                industry=form.industry.data, secretary_id=id_arg("secretary_id", {"secretary_id": form.secretary_id.data or ""}),
                contacts=rows, primary_index=primary_index)
        except ServiceError as exc:
            db.session.rollback()
            refused = exc.message
        else:
            flash(_("企业已新建。"), "success")
            return redirect(url_for("enterprises.enterprise_detail", enterprise_id=enterprise.id), 303)
    return render_template("enterprises/form.html", form=form, enterprise=None, error=refused), 400


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_enterprise(enterprise_id):
    """修改企业信息: name, credit code, park and industry."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    form = EnterpriseDetailsForm(obj=enterprise if request.method == "GET" else None)
    if request.method == "GET":
        return render_template("enterprises/edit.html", form=form, enterprise=enterprise)
    refused = run_form_verb(form, lambda: desk.update_enterprise(
        current_user, enterprise, name=form.name.data, credit_code=form.credit_code.data, park=form.park.data,
        industry=form.industry.data))
    if refused is None:
        flash(_("企业信息已保存。"), "success")
        return redirect(url_for("enterprises.enterprise_detail", enterprise_id=enterprise.id), 303)
    return render_template("enterprises/edit.html", form=form, enterprise=enterprise,
                           error=refused.message), refused.status


def _contact_rows(enterprise):
    if enterprise.contacts:
        return [{"id": str(c.id), "name": c.name, "title": c.title, "mobile": c.mobile, "verified": c.verified}
                for c in enterprise.contacts]
    if enterprise.contact_name or enterprise.mobile:  # kept on the company before contacts had rows of their own
        return [{"id": "", "name": enterprise.contact_name, "title": "", "mobile": enterprise.mobile,
                 "verified": enterprise.contact_verified}]
    return []


@bp.route("/enterprises/<int:enterprise_id>/contacts", methods=["GET", "POST"])
@roles_required(*ENTERPRISE_ROLES)
def edit_contacts(enterprise_id):
    """修改联系人: several contacts, each with name, title and mobile; one primary, whose details sign in to 我的诉求
    and receive the month's evaluation link once verified. The enterprise's own 联系秘书, supervisors, admins."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    if not desk.can_edit_contacts(current_user, enterprise):
        abort(403)
    if request.method == "GET":
        rows = _contact_rows(enterprise)
        primary = next((str(i) for i, c in enumerate(enterprise.contacts) if c.is_primary), "0")
        form = ContactsForm(data={"contacts": rows, "primary": primary})
        _blank_rows(form, 2 if rows else 1)
        return render_template("enterprises/contacts.html", form=form, enterprise=enterprise)
    form = ContactsForm()
    refused = run_form_verb(form, lambda: desk.save_contacts(current_user, enterprise, *form.rows()))
    if refused is None:
        flash(_("联系人已保存。"), "success")
        return redirect(url_for("enterprises.enterprise_detail", enterprise_id=enterprise.id), 303)
    return render_template("enterprises/contacts.html", form=form, enterprise=enterprise,
                           error=refused.message), refused.status


@bp.get("/enterprises/<int:enterprise_id>")
@roles_required(*ENTERPRISE_ROLES)
def enterprise_detail(enterprise_id):
    """One enterprise on one page: details, contacts and 联系秘书 (with this month's visits against the target),
    its cases, projects, procedures (代办), visits and meetings the person may see, and its history."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    tickets = db.session.scalars(select(Ticket).where(Ticket.enterprise_id == enterprise.id,
                                                      visible_filter(current_user))
                                 .order_by(Ticket.created_at.desc()).limit(100)).all()
    visits = db.session.scalars(select(Visit).where(Visit.enterprise_id == enterprise.id)
                                .order_by(Visit.visited_on.desc()).limit(50)).all()
    projects = db.session.scalars(select(Project).where(Project.enterprise_id == enterprise.id)
                                  .order_by(Project.id.desc()).limit(50)).all()
    procedures = db.session.scalars(visible_procedures(current_user).where(Procedure.enterprise_id == enterprise.id)
                                    .order_by(Procedure.id.desc()).limit(100)).all()
    meetings = db.session.scalars(select(Meeting).where(Meeting.id.in_(
        select(meeting_ticket.c.meeting_id).join(Ticket, Ticket.id == meeting_ticket.c.ticket_id).where(
            Ticket.enterprise_id == enterprise.id, visible_filter(current_user))))
        .order_by(Meeting.starts_at.desc()).limit(50)).all()
    contact_form = ContactForm(data={"contact_name": enterprise.contact_name, "mobile": enterprise.mobile,
                                     "email": enterprise.email})
    can_set_sms = current_user.is_supervisor or (current_user.is_secretary
                                                 and enterprise.secretary_id == current_user.id)
    visit_progress = None
    if enterprise.secretary_id:
        visit_progress = (desk.visits_this_month(enterprise.secretary_id), rule_for("secretary").visit_target)
    return render_template("enterprises/detail.html", enterprise=enterprise, tickets=tickets, visits=visits,
                           projects=projects, procedures=procedures, meetings=meetings,
                           contact_form=contact_form, can_set_sms=can_set_sms, history=desk.history(enterprise),
                           can_manage=desk.can_manage(current_user),
                           can_edit_contacts=desk.can_edit_contacts(current_user, enterprise),
                           visit_progress=visit_progress, secretaries=desk.secretary_choices(),
                           assign_form=AssignForm())


@bp.post("/enterprises/<int:enterprise_id>/contact")
@roles_required(Role.SUPERVISOR)
def verify_enterprise_contact(enterprise_id):
    """核实联系人: confirm (and correct) who speaks for the enterprise; only they get evaluation links."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    form = ContactForm()
    refused = run_form_verb(form, lambda: verify_contact(current_user, enterprise, form.contact_name.data,
                                                         form.mobile.data, form.email.data or ""))
    flash(refused.message if refused else _("联系人已核实。"), "danger" if refused else "success")
    return redirect(url_for("enterprises.enterprise_detail", enterprise_id=enterprise.id), 303)


@bp.post("/enterprises/<int:enterprise_id>/sms")
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def sms_preference(enterprise_id):
    """退订 / 恢复短信通知 at the company's request: "off" stops SMS about its cases (email still goes)."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    choice = request.form.get("choice")
    if choice not in ("on", "off"):
        flash(_("请选择是否接收短信通知。"), "danger")
        return redirect(url_for("enterprises.enterprise_detail", enterprise_id=enterprise.id), 303)
    try:
        set_sms_opt_out(current_user, enterprise, choice == "off")
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status)
    flash(_("已退订短信通知，只发送邮件。") if choice == "off" else _("已恢复短信通知。"), "success")
    return redirect(url_for("enterprises.enterprise_detail", enterprise_id=enterprise.id), 303)


@bp.get("/visits")
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def visit_list():
    """Visits logged, the latest first, 50 a page: a secretary's own, or everyone's for a supervisor. (The list
    stopped at the latest 200 with no way further, and read each row's company and secretary one by one.)"""
    query = select(Visit)
    if current_user.is_secretary:
        query = query.where(Visit.secretary_id == current_user.id)
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(Visit.id).subquery()))
    page_no, clamped_from = clamp_page(page_arg(), total, VISITS_PER_PAGE)
    visits = db.session.scalars(query.options(joinedload(Visit.enterprise), joinedload(Visit.secretary))
                                .order_by(Visit.visited_on.desc(), Visit.id.desc())
                                .limit(VISITS_PER_PAGE).offset((page_no - 1) * VISITS_PER_PAGE)).all()
    return render_template("enterprises/visits.html", visits=visits,
                           page=Page(visits, total, page_no, VISITS_PER_PAGE, clamped_from=clamped_from))


VISITS_PER_PAGE = 50


@bp.route("/visits/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARY)
def new_visit():
    """Log a visit (走访), forum, call or reception day with an enterprise."""
    source = request.form if request.method == "POST" else request.args
    form = VisitForm(enterprises=picker_enterprises(current_user, [id_arg("enterprise_id", source)],
                                                    request.args.get("enterprise_q", "")))
    if request.method == "GET":
        form.enterprise_id.data = request.args.get("enterprise_id") or form.enterprise_id.data
        form.visited_on.data = utcnow().astimezone(SHANGHAI).date()  # most visits are logged the same day
    if form.validate_on_submit():
        enterprise = db.session.get(Enterprise, int(form.enterprise_id.data))
        try:
            visit = log_visit(current_user, enterprise, form.kind.data, form.visited_on.data,
                              form.participants.data, form.summary.data)
        except ServiceError as exc:
            form.visited_on.errors = [exc.message]
            return render_template("enterprises/new_visit.html", form=form), 400
        flash(_("走访已登记。如发现问题，请直接登记为诉求。"), "success")
        return redirect(url_for("enterprises.visit_list", created=visit.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("enterprises/new_visit.html", form=form), status
