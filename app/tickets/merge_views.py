"""并单 pages: the possible duplicates of a case (its page's panel) and of an offline case being typed in, and the
merge and undo forms of a case's page."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.decorators import roles_required
from app.enums import Role, TicketState as S
from app.extensions import db
from app.forms import id_arg, run_form_verb
from app.models import Ticket
from app.timesource import utcnow
from app.tickets import forms, merging, workflow
from app.tickets.views import render_ticket, viewable_ticket

bp = Blueprint("merging", __name__)


@bp.get("/tickets/<int:ticket_id>/duplicates")
@login_required
def duplicates(ticket_id):
    """可能重复: the open or recent cases of the same enterprise or with a similar text, that this person may see."""
    ticket = viewable_ticket(ticket_id)
    candidates = [] if ticket.state == S.MERGED else merging.duplicates_of(current_user, ticket, utcnow())
    context = dict(ticket=ticket, candidates=candidates, days=merging.RECENT_DAYS,
                   can_merge=merging.may_start_merge(current_user, ticket))
    if request.htmx:
        return render_template("tickets/_duplicates.html", **context)
    return render_template("tickets/duplicates.html", **context)


@bp.get("/tickets/duplicates")
@roles_required(Role.SECRETARY, Role.SUPERVISOR)
def check():
    """The offline intake form's check as the title, description and enterprise are typed: possible duplicates
    among the cases this person may see (never shown to the public)."""
    title = (request.args.get("title") or "")[:100]
    description = (request.args.get("description") or "")[:merging.TEXT_CHARS]
    enterprise_id = id_arg("enterprise_id", request.args)
    candidates = []
    if title.strip() or description.strip() or enterprise_id:
        candidates = merging.possible_duplicates(current_user, title=title, description=description,
                                                 enterprise_id=enterprise_id, now=utcnow())
    context = dict(ticket=None, candidates=candidates, days=merging.RECENT_DAYS, can_merge=False)
    if request.htmx:
        return render_template("tickets/_duplicates.html", **context)
    return render_template("tickets/duplicates.html", **context)


def _back(ticket_id):
    return redirect(url_for("tickets.detail", ticket_id=ticket_id, _anchor="merge"), 303)


@bp.post("/tickets/<int:ticket_id>/merge")
@login_required
def merge(ticket_id):
    """并单: this case into another, or another into this one; refusals come back on the page, nothing changed."""
    ticket = viewable_ticket(ticket_id)
    if not merging.may_start_merge(current_user, ticket):
        return render_ticket(ticket, error=_("您没有权限对此诉求并单。"), status=403)
    form = forms.MergeForm()
    kept_id = []

    def run():
        if form.direction.data == forms.MergeForm.KEEP_THIS:
            kept_id.append(ticket.id)
            merging.absorb(ticket, current_user, other_number=form.other_number.data, reason=form.reason.data)
        else:
            merging.merge_into(ticket, current_user, kept_number=form.other_number.data, reason=form.reason.data)
            kept_id.append(ticket.merged_into_id)

    outcome = run_form_verb(form, run)
    if outcome is not None:
        return render_ticket(viewable_ticket(ticket_id), failed=("merge", form), error=outcome.message,
                             status=outcome.status)
    db.session.expire_all()
    flash(str(workflow.ACTIONS["merge"].done), "success")
    return _back(kept_id[0] if kept_id and db.session.get(Ticket, kept_id[0]) else ticket_id)


@bp.post("/tickets/<int:ticket_id>/unmerge")
@login_required
def unmerge(ticket_id):
    """撤销并单 (supervisors): the duplicate is handled on its own again."""
    ticket = viewable_ticket(ticket_id)
    if not current_user.is_supervisor:
        abort(403)
    form = forms.UnmergeForm()
    outcome = run_form_verb(form, lambda: merging.unmerge(ticket, current_user, reason=form.reason.data))
    if outcome is not None:
        return render_ticket(viewable_ticket(ticket_id), failed=("unmerge", form), error=outcome.message,
                             status=outcome.status)
    flash(str(workflow.ACTIONS["unmerge"].done), "success")
    return _back(ticket_id)
