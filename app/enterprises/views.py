"""Enterprises and the secretaries' visits to them."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.auth.decorators import roles_required
from app.enterprises.forms import ContactForm, VisitForm
from app.enterprises.services import log_visit, set_sms_opt_out, verify_contact
from app.enums import Role
from app.errors import ServiceError
from app.extensions import db
from app.forms import id_arg, run_form_verb
from app.models import Enterprise, Ticket, Visit
from app.timesource import utcnow
from sla.calendar import SHANGHAI
from app.tickets.access import visible_filter
from app.tickets.queries import Page

bp = Blueprint("enterprises", __name__)

ENTERPRISE_ROLES = (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN)


@bp.get("/enterprises")
@roles_required(*ENTERPRISE_ROLES)
def enterprise_list():
    """Enterprises in the zone, searchable by name or credit code; secretaries see theirs first."""
    q = (request.args.get("q") or "").strip()[:60]
    page_no = min(id_arg("page", request.args) or 1, 100000)
    query = select(Enterprise)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like)))
    if request.args.get("mine") and current_user.is_secretary:
        query = query.where(Enterprise.secretary_id == current_user.id)
    per_page = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Enterprise.name).limit(per_page).offset((page_no - 1) * per_page)).all()
    return render_template("enterprises/list.html", page=Page(items, total, page_no, per_page), q=q,
                           mine=bool(request.args.get("mine")))


@bp.get("/enterprises/<int:enterprise_id>")
@roles_required(*ENTERPRISE_ROLES)
def enterprise_detail(enterprise_id):
    """One enterprise: contact, responsible secretary, its tickets (those the person may see) and visits."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    tickets = db.session.scalars(select(Ticket).where(Ticket.enterprise_id == enterprise.id,
                                                      visible_filter(current_user))
                                 .order_by(Ticket.created_at.desc()).limit(100)).all()
    visits = db.session.scalars(select(Visit).where(Visit.enterprise_id == enterprise.id)
                                .order_by(Visit.visited_on.desc()).limit(50)).all()
    contact_form = ContactForm(data={"contact_name": enterprise.contact_name, "mobile": enterprise.mobile,
                                     "email": enterprise.email})
    can_set_sms = current_user.is_supervisor or (current_user.is_secretary
                                                 and enterprise.secretary_id == current_user.id)
    return render_template("enterprises/detail.html", enterprise=enterprise, tickets=tickets, visits=visits,
                           contact_form=contact_form, can_set_sms=can_set_sms)


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
    """Visits logged: a secretary's own, or everyone's for a supervisor."""
    query = select(Visit).order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(200)
    if current_user.is_secretary:
        query = query.where(Visit.secretary_id == current_user.id)
    return render_template("enterprises/visits.html", visits=db.session.scalars(query).all())


@bp.route("/visits/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARY)
def new_visit():
    """Log a visit (走访), forum, call or reception day with an enterprise."""
    enterprises = db.session.scalars(select(Enterprise).order_by(Enterprise.name)).all()
    form = VisitForm(enterprises=enterprises)
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
