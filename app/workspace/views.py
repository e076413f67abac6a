"""The workspace page: what needs the signed-in person now, sorted by deadline."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.assessment.workspace import workspace_note
from app.deadlines import procedures as procedure_deadlines
from app.timesource import utcnow
from app.meetings.queries import upcoming_for
from app.assessment.rules import rule_for
from app.enterprises.desk import visits_this_month
from app.tickets.queries import needs_me, own_parts, pool_cases
from app.tickets.routing import pool_count
from sla.calendar import SHANGHAI

bp = Blueprint("workspace", __name__)


@bp.get("/workspace")
@login_required
def workspace():
    """What needs the logged-in person now, sorted by deadline: their queue, meetings and action items, a
    secretary's 代办 procedures late or soon due, and where they stood in last month's assessment."""
    now = utcnow()  # one "now" for the whole page
    queue, more = needs_me(current_user, now)
    meetings, items = upcoming_for(current_user, now)
    # A secretary's 代办 procedures are deadlines too: the late ones and those due within a few working days.
    procedures = procedure_deadlines.needing(current_user.id, now.astimezone(SHANGHAI).date()) \
        if current_user.is_secretary else []
    # The shared pool (cases of enterprises without a 联系秘书), for those who take from it or watch it.
    pool = pool_cases(current_user) if current_user.is_secretary or current_user.is_supervisor else None
    visits = ((visits_this_month(current_user.id, now), rule_for("secretary").visit_target)
              if current_user.is_secretary else None)
    return render_template("workspace/workspace.html", queue=queue, parts=own_parts(current_user, queue), more=more,
                           now=now, meetings=meetings, items=items, procedures=procedures,
                           assessment=workspace_note(current_user), pool=pool, pool_total=pool_count(current_user),
                           visits=visits)
