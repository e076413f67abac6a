"""会办 pages: convene from a ticket, the meeting page (attendance, minutes, action items, plan), the list."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import roles_required
from app.timesource import utcnow
from app.enums import Role, TicketState as S
from app.errors import ServiceError
from app.extensions import db
from app.forms import page_arg, run_form_verb
from app.meetings import queries, services
from app.meetings.forms import ActionItemForm, ConveneForm, DoneForm, conclusion_field, minutes_form
from app.models import ActionItem, Meeting, Ticket
from app.reference import active_departments
from app.tickets.access import visible_filter
from app.tickets.views import viewable_ticket
from sla.calendar import SHANGHAI

bp = Blueprint("meetings", __name__)


def _meeting(meeting_id) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id, options=[selectinload(Meeting.tickets)])
    if meeting is None or not services.can_view(current_user, meeting):
        abort(404)
    return meeting


def _related(ticket):
    """Other tickets this person could convene together with this one (same enterprise first)."""
    return db.session.scalars(select(Ticket).where(
        visible_filter(current_user), Ticket.state == S.PROCESSING.value, Ticket.id != ticket.id)
        .order_by((Ticket.enterprise_id == ticket.enterprise_id).desc(), Ticket.id.desc()).limit(50)).all()


@bp.route("/tickets/<int:ticket_id>/convene", methods=["GET", "POST"])
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def convene(ticket_id):
    """召开会办 for a ticket (and related ones)."""
    ticket = viewable_ticket(ticket_id)
    form = ConveneForm(departments=active_departments(), related=_related(ticket))
    if request.method == "GET" and ticket.lead_assignment:
        form.lead_department_id.data = str(ticket.lead_assignment.department_id)
        form.subject.data = f"{ticket.enterprise.name}{ticket.title}会办"[:200]
    if request.method == "GET":
        # The departments already working on the case are invited unless the secretary unticks them.
        lead = ticket.lead_assignment
        form.support_department_ids.data = [str(a.department_id) for a in ticket.active_assignments
                                            if lead is None or a.department_id != lead.department_id]
    if form.validate_on_submit():
        tickets = [ticket] + [t for t in _related(ticket) if str(t.id) in (form.ticket_ids.data or [])]
        guests = []
        for line in (form.guests.data or "").splitlines():
            parts = line.split(maxsplit=1)
            if parts:
                guests.append((parts[0], parts[1] if len(parts) > 1 else ""))
        try:
            meeting = services.convene_meeting(
                current_user, tickets, subject=form.subject.data,
                starts_at=form.starts_at.data.replace(tzinfo=SHANGHAI), place=form.place.data,
                agenda=form.agenda.data, lead_department_id=int(form.lead_department_id.data),
                support_department_ids=[int(i) for i in form.support_department_ids.data or []], guests=guests)
        except ServiceError as exc:
            db.session.rollback()
            form.subject.errors = [exc.message]
        else:
            flash(_("会办已发起，参会部门已收到通知。"), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("meetings/convene.html", form=form, ticket=ticket), status


@bp.get("/meetings")
@login_required
def meeting_list():
    """Meetings this person may open, the latest first, 50 a page; an officer's department's open action items
    above them, the soonest due first."""
    page = page_arg()
    meetings, more = queries.meeting_page(current_user, page)
    items, open_items = queries.open_items_of(current_user.department_id) if current_user.is_officer else ([], 0)
    return render_template("meetings/list.html", meetings=meetings, page=page, more=more, items=items,
                           open_items=open_items, now=utcnow())


def _page(meeting, *, status=200, forms=None):
    forms = forms or {}
    conclusions = services.conclusions(meeting)
    return render_template(
        "meetings/detail.html", meeting=meeting, now=utcnow(), can_manage=services.can_manage(current_user, meeting),
        minutes_posted="minutes" in forms,  # refused minutes stay on the page with what was typed, even early
        per_ticket=services.per_ticket(meeting), conclusions=conclusions,
        conclusion_field=conclusion_field,
        minutes_form=forms.get("minutes") or minutes_form(meeting, conclusions),
        item_form=forms.get("item") or ActionItemForm(tickets=meeting.tickets, departments=active_departments()),
        done_form=DoneForm(), my_invite=next((i for i in meeting.invites if current_user.is_officer
                                              and i.department_id == current_user.department_id), None)), status


@bp.get("/meetings/<int:meeting_id>")
@login_required
def detail(meeting_id):
    """The meeting: tickets, departments and guests, minutes, decisions and action items. Prints on A4."""
    return _page(_meeting(meeting_id))


FORMS_SHOWING_ERRORS = {"minutes", "item"}  # the meeting page draws these forms with their errors


def _act(meeting_id, run, done, form_key=None, form=None):
    meeting = _meeting(meeting_id)
    refused = run_form_verb(form or FlaskForm(), lambda: run(meeting))
    if refused is not None:
        if form_key not in FORMS_SHOWING_ERRORS or not form.errors:  # those forms show errors beside their fields
            flash(refused.message, "danger")
        return _page(_meeting(meeting_id), status=refused.status, forms={form_key: form} if form else None)
    flash(done, "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id), 303)


@bp.post("/meetings/<int:meeting_id>/confirm")
@roles_required(Role.OFFICER)
def confirm(meeting_id):
    """An invited department confirms attendance."""
    return _act(meeting_id, lambda m: services.confirm_attendance(current_user, m), _("已确认参会。"))


@bp.post("/meetings/<int:meeting_id>/minutes")
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def minutes(meeting_id):
    """Record the minutes and the decisions meant for the enterprise (one per ticket when there are several)."""
    form = minutes_form(_meeting(meeting_id))

    def run(meeting):
        per_ticket = {t.id: form[conclusion_field(t)].data for t in meeting.tickets
                      if conclusion_field(t) in form}
        public = form.minutes_public.data if "minutes_public" in form else ""
        services.record_minutes(current_user, meeting, form.minutes_internal.data, public, per_ticket)

    return _act(meeting_id, run, _("会议纪要已保存。"), "minutes", form)


@bp.post("/meetings/<int:meeting_id>/items")
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def add_item(meeting_id):
    """Add an action item with an owner and a due date in working days."""
    meeting = _meeting(meeting_id)
    form = ActionItemForm(tickets=meeting.tickets, departments=active_departments())
    return _act(meeting_id, lambda m: services.add_action_item(current_user, m, form.ticket_id.data, form.title.data,
                                                               form.owner_department_id.data, form.working_days.data),
                _("会办事项已布置，责任部门已收到通知。"), "item", form)


@bp.post("/action-items/<int:item_id>/done")
@login_required
def item_done(item_id):
    """The owner marks an action item done."""
    item = db.session.get(ActionItem, item_id) or abort(404)
    form = DoneForm()
    return _act(item.meeting_id, lambda m: services.complete_action_item(current_user, item, form.note.data),
                _("会办事项已完成。"), "done", form)


@bp.post("/meetings/<int:meeting_id>/plan")
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def plan(meeting_id):
    """The plan is decided: the tickets go back to processing."""
    return _act(meeting_id, lambda m: services.decide_plan(current_user, m), _("已形成办理方案，诉求恢复办理。"))
