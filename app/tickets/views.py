"""Ticket pages: the list, the ticket page and its workflow actions, its history and files, offline intake."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.attachments import check_uploads, send_stored
from app.auth.decorators import roles_required
from app.timesource import utcnow
from app.display import local
from app.enums import Channel, Role, TicketState
from app.errors import ServiceError
from app.extensions import db
from app.forms import id_arg, prefix_ids, run_form_verb
from app.models import Assignment, Attachment, Enterprise, Project, Ticket, TicketEvent, User, Visit
from app.enterprise_picker import picker_enterprises
from app.reference import active_categories, active_departments
from app.qr import qr_svg
from app.tickets import access, forms, links, merging, remediation, services, workflow
from app.tickets.intake import (known_enterprise, new_enterprise_fingerprint, offline_enterprise, project_by_id,
                                record_offline_ticket)
from app.tickets.queries import TicketFilters, ticket_page

bp = Blueprint("tickets", __name__)


@bp.get("/tickets")
@login_required
def ticket_list():
    """All tickets the person may see, filtered and paginated; HTMX gets only the rows."""
    filters = TicketFilters.from_args(request.args)
    page = ticket_page(current_user, filters, current_app.config["PAGE_SIZE"])
    context = dict(page=page, filters=filters, now=utcnow())
    if request.htmx and request.htmx.target == "ticket-list":
        return render_template("tickets/_list.html", **context)
    secretaries = db.session.scalars(select(User).where(User.role == Role.SECRETARY.value)
                                     .order_by(User.display_name)).all()
    return render_template("tickets/list.html", departments=active_departments(), categories=active_categories(),
                           secretaries=secretaries, **context)


def viewable_ticket(ticket_id) -> Ticket:
    """The ticket if the person may see it; otherwise 404 (its existence is not revealed)."""
    # The rows every ticket page shows, read with the case: lazily, each was a statement of its own (its company,
    # category, secretary and one per department with a part; a round trip each on PostgreSQL).
    ticket = db.session.get(Ticket, ticket_id, options=[
        joinedload(Ticket.enterprise), joinedload(Ticket.category), joinedload(Ticket.secretary),
        selectinload(Ticket.assignments).joinedload(Assignment.department)])
    if ticket is None or not access.can_view(current_user, ticket):
        abort(404)
    return ticket


def _build_form(action: str, ticket):
    """The action's form, with the choices it needs (departments for dispatch, categories for edit)."""
    form_class = workflow.ACTIONS[action].form
    if action == "dispatch":
        return form_class(departments=active_departments())
    if action == "edit":
        return form_class(categories=active_categories())
    return form_class()


def available_actions(ticket):
    """The actions this person may take on this ticket in its current state, in display order."""
    return [name for name in workflow.PAGE_ACTIONS
            if workflow.allowed(name, ticket.state) and access.can(current_user, name, ticket)]


def _action_forms(ticket, failed=None):
    built = {}
    for name in available_actions(ticket):
        if failed and failed[0] == name:
            built[name] = prefix_ids(failed[1], f"act-{name}")
            continue
        form = _build_form(name, ticket)
        if hasattr(form, "version"):
            form.version.data = ticket.version
        if name == "edit":
            form.title.data, form.description.data = ticket.title, ticket.description
            form.category_id.data, form.urgency.data = str(ticket.category_id), ticket.urgency
        built[name] = prefix_ids(form, f"act-{name}")
    return built


def _visit_form(ticket, failed):
    """The return-visit form of the 差评整改 panel, for those who may record one while a remediation is open."""
    if not ticket.open_remediations or not remediation.can_record_visit(current_user, ticket):
        return None
    if failed and failed[0] == "return_visit":
        return prefix_ids(failed[1], "visit")
    return prefix_ids(forms.ReturnVisitForm(data={"visited_on": local(utcnow(), "%Y-%m-%d")}), "visit")


def _merge_panel(ticket, failed):
    """并单 on the ticket page: the cases merged into this one (each readable if the person may see it), the case
    this one was merged into, and the merge and undo forms for those who may use them."""
    failed_form = failed[1] if failed and failed[0] in ("merge", "unmerge") else None
    into = ticket.merged_into
    return {
        "duplicates": merging.merged_duplicates(current_user, ticket),
        "into": into, "into_visible": into is not None and access.can_view(current_user, into),
        "form": (failed_form if failed and failed[0] == "merge" else forms.MergeForm(
            data={"other_number": request.args.get("keep", "")[:30]}))
        if merging.may_start_merge(current_user, ticket) else None,
        "unmerge_form": (failed_form if failed and failed[0] == "unmerge" else forms.UnmergeForm())
        if ticket.state == TicketState.MERGED and access.can(current_user, "unmerge", ticket) else None,
    }


def render_ticket(ticket, *, failed=None, error=None, message=None, status=200):
    """The ticket page, or only its main panel for an HTMX request."""
    context = dict(ticket=ticket, action_forms=_action_forms(ticket, failed), error=error, message=message,
                   merge=_merge_panel(ticket, failed),
                   now=utcnow(), open_action=failed[0] if failed else request.args.get("action"),
                   workflow=workflow.ACTIONS, link_panel=_link_panel(ticket), visit_form=_visit_form(ticket, failed),
                   can_send_link=workflow.allowed("send_link", ticket.state) and access.can(current_user, "send_link",
                                                                                             ticket),
                   can_take=access.can_take(current_user, ticket))
    template = "tickets/_main.html" if request.htmx else "tickets/detail.html"
    return render_template(template, **context), status


@bp.get("/tickets/<int:ticket_id>")
@login_required
def detail(ticket_id):
    """The ticket page: facts, timeline, deadlines and every action this person may take."""
    return render_ticket(viewable_ticket(ticket_id))


@bp.post("/tickets/<int:ticket_id>/actions/<action>")
@login_required
def act(ticket_id, action):
    """Run one workflow action; refusals come back as a clear message and change nothing."""
    if action not in workflow.PAGE_ACTIONS:
        abort(404)
    ticket = viewable_ticket(ticket_id)
    if not access.can(current_user, action, ticket):
        return render_ticket(ticket, error=_("您没有权限执行此操作，或此操作已由他人完成。请刷新页面。"), status=403)
    spec = workflow.ACTIONS[action]
    form = _build_form(action, ticket)
    outcome = run_form_verb(form, lambda: services.VERBS[action](ticket, current_user, **form.verb_kwargs()))
    if outcome is not None:
        if outcome.status != 400:
            ticket = viewable_ticket(ticket_id)
        return render_ticket(ticket, failed=(action, form), error=outcome.message, status=outcome.status)
    db.session.expire_all()
    if not request.htmx:
        flash(str(spec.done), "success")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)
    ticket = db.session.get(Ticket, ticket_id)
    if not access.can_view(current_user, ticket):  # e.g. an officer who just returned the case
        return render_template("tickets/_gone.html", message=str(spec.done))
    return render_ticket(ticket, message=str(spec.done))


def _link_panel(ticket):
    """The personal links panel for those who may issue and revoke links (the case's secretary, supervisors)."""
    if not access.can(current_user, "link", ticket):
        return None
    return {"links": links.active_links(ticket), "form": forms.ActionForm()}


def _links_back(ticket_id):
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#links", 303)


@bp.post("/tickets/<int:ticket_id>/links")
@login_required
def issue_link(ticket_id):
    """发放跟踪链接: a new personal link, shown this once with its QR code to hand or send to the enterprise."""
    ticket = viewable_ticket(ticket_id)
    if not access.can(current_user, "link", ticket):
        abort(403)
    issued = []
    refused = run_form_verb(forms.ActionForm(), lambda: issued.append(links.issue_link(ticket, current_user)))
    if refused:
        flash(refused.message, "danger")
        return _links_back(ticket_id)
    url = links.link_url(issued[0])
    return links.private_page(render_template("tickets/link_issued.html", ticket=ticket, link=url,
                                              qr=qr_svg(url, title=_("个人跟踪链接二维码"))))


@bp.post("/tickets/<int:ticket_id>/links/<int:link_id>/revoke")
@login_required
def revoke_link(ticket_id, link_id):
    """撤销跟踪链接: the link stops opening the case, in every browser that opened it."""
    ticket = viewable_ticket(ticket_id)
    if not access.can(current_user, "unlink", ticket):
        abort(403)
    refused = run_form_verb(forms.ActionForm(), lambda: links.revoke_link(ticket, current_user, link_id))
    flash(refused.message if refused else str(workflow.ACTIONS["unlink"].done), "danger" if refused else "success")
    return _links_back(ticket_id)


@bp.post("/tickets/<int:ticket_id>/take")
@roles_required(Role.SECRETARY)
def take(ticket_id):
    """领取 / 接手: take an open case from the pool or from a colleague into one's own care (an event on it)."""
    ticket = viewable_ticket(ticket_id)
    refused = run_form_verb(forms.TakeForm(), lambda: services.take_ticket(ticket, current_user,
                                                                          request.form.get("version")))
    if refused is None:
        flash(_("已领取，此诉求由您负责办理。"), "success")
    else:
        flash(refused.message, "danger")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)


@bp.post("/tickets/<int:ticket_id>/send-link")
@login_required
def send_link(ticket_id):
    """短信发送查询链接: queue an SMS with the case's link to its contact's mobile (cases heard offline)."""
    ticket = viewable_ticket(ticket_id)
    if not access.can(current_user, "send_link", ticket):
        abort(403)
    try:
        services.send_tracking_link(ticket, current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(str(workflow.ACTIONS["send_link"].done), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id, _anchor="notify-enterprise"), 303)


@bp.post("/tickets/<int:ticket_id>/return-visit")
@login_required
def return_visit(ticket_id):
    """回访 after a 差评: the secretary records the visit and its result, which completes the remediation."""
    ticket = viewable_ticket(ticket_id)
    if not remediation.can_record_visit(current_user, ticket):
        return render_ticket(ticket, error=_("只有本诉求的项目秘书或督办人员可以登记回访。"), status=403)
    form = forms.ReturnVisitForm()
    outcome = run_form_verb(form, lambda: services.record_return_visit(ticket, current_user, **form.verb_kwargs()))
    if outcome is not None:
        if outcome.status != 400:
            ticket = viewable_ticket(ticket_id)
        return render_ticket(ticket, failed=("return_visit", form), error=outcome.message, status=outcome.status)
    done = _("回访已登记，差评整改已完成。")
    db.session.expire_all()
    if not request.htmx:
        flash(done, "success")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#remediation", 303)
    return render_ticket(db.session.get(Ticket, ticket_id), message=done)


@bp.get("/tickets/<int:ticket_id>/history")
@login_required
def history(ticket_id):
    """The ticket's full append-only history: who did what, when, before and after."""
    ticket = viewable_ticket(ticket_id)
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.id)).all()
    return render_template("tickets/history.html", ticket=ticket, events=events)


@bp.get("/tickets/<int:ticket_id>/files/<int:attachment_id>")
@login_required
def download(ticket_id, attachment_id):
    """An attachment of a ticket the person may see, always downloaded, never rendered inline."""
    ticket = viewable_ticket(ticket_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id:
        abort(404)
    return send_stored(attachment)


def _projects_of(enterprise):
    """The projects an offline case may be linked to: the chosen enterprise's (none while no enterprise is chosen:
    a project belongs to one, and a centre's whole sheet is thousands)."""
    if enterprise is None:
        return []
    return db.session.scalars(select(Project).where(Project.enterprise_id == enterprise.id)
                              .order_by(Project.name)).all()


def _prefill_from_visit(form, visit):
    """A case found on a visit starts from what the visit recorded: company, channel, contact, summary, project."""
    enterprise = visit.enterprise
    form.channel.data = Channel.VISIT.value
    form.visit_id.data = str(visit.id)
    form.contact_name.data = form.contact_name.data or enterprise.contact_name
    form.mobile.data = form.mobile.data or enterprise.mobile
    form.email.data = form.email.data or enterprise.email
    form.description.data = form.description.data or visit.summary
    if len(form.project_id.choices) == 2:  # "无" and the company's one project
        form.project_id.data = form.project_id.choices[1][0]
def _confirm_new_enterprise(form):
    """None when the typed enterprise may be used now; otherwise (question, status): a credit code registered
    under another name is refused (400), and a new enterprise is asked to be confirmed once (200) before it is
    created with the case."""
    name, code = form.new_enterprise_name.data, form.new_credit_code.data
    try:
        if known_enterprise(name, code) is not None:
            return None
    except ServiceError as exc:
        form.new_credit_code.errors = [exc.message]
        return None, 400
    fingerprint = new_enterprise_fingerprint(name, code)
    if form.confirm_new.data == fingerprint:
        return None
    form.confirm_new.data = fingerprint
    question = (_("将新建企业“%(name)s”（代码 %(code)s），请确认。", name=name, code=code) if code
                else _("将新建企业“%(name)s”（未填统一社会信用代码），请确认。", name=name))
    return question, 200


@bp.route("/tickets/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def new_offline():
    """Record a problem heard on a visit, a call, a forum, a reception day or at the "办不成事" window."""
    visit = None
    visit_id = id_arg("visit_id")
    if visit_id:
        visit = db.session.get(Visit, visit_id)
        if visit is None or (current_user.is_secretary and visit.secretary_id != current_user.id):
            abort(404)
    source = request.form if request.method == "POST" else request.args
    enterprise_id = id_arg("enterprise_id", source)  # a bad id names no enterprise
    chosen = visit.enterprise if visit else (db.session.get(Enterprise, enterprise_id) if enterprise_id else None)
    offered = picker_enterprises(current_user, [chosen.id if chosen else None, enterprise_id],
                                 request.args.get("enterprise_q", ""))
    form = forms.OfflineTicketForm(enterprises=offered, categories=active_categories(), projects=_projects_of(chosen))
    if request.method == "GET":
        if chosen:
            form.enterprise_id.data = str(chosen.id)
        if request.args.get("project_id"):
            form.project_id.data = request.args["project_id"]
        if visit:
            _prefill_from_visit(form, visit)
        return render_template("tickets/new.html", form=form, visit=visit)
    if not form.validate_on_submit():
        return render_template("tickets/new.html", form=form, visit=visit), 400
    if not form.enterprise_id.data:
        confirming = _confirm_new_enterprise(form)
        if confirming is not None:
            return render_template("tickets/new.html", form=form, visit=visit, confirm_new=confirming[0]), confirming[1]
    try:
        uploads = check_uploads(request.files.getlist(form.attachments.name))
    except ServiceError as exc:
        form.attachments.errors = [exc.message]
        return render_template("tickets/new.html", form=form, visit=visit), 400
    enterprise = offline_enterprise(form.enterprise_id.data, form.new_enterprise_name.data, form.new_credit_code.data,
                                    form.contact_name.data, form.mobile.data, email=form.email.data,
                                    actor=current_user)
    data = {"title": form.title.data, "description": form.description.data,
            "category_id": int(form.category_id.data), "urgency": form.urgency.data,
            "contact_name": form.contact_name.data, "mobile": form.mobile.data, "email": form.email.data}
    try:
        ticket, code = record_offline_ticket(current_user, enterprise, data, uploads,
                                             channel=Channel(form.channel.data), visit=visit,
                                             project=project_by_id(form.project_id.data),
                                             received_at=form.received_moment,
                                             hotline_order_no=form.hotline_order_no.data)
    except ServiceError as exc:  # the work order is already a case: said on its field, the form kept
        db.session.rollback()
        form.hotline_order_no.errors = [exc.message]
        return render_template("tickets/new.html", form=form, visit=visit), 400
    return render_template("tickets/recorded.html", ticket=ticket, code=code)
