"""Templates' filters and globals: the display helpers (app/display.py), enums, the bell, calendar gaps."""
from flask import current_app, has_request_context, request
from flask_babel import get_locale

from app import enums
from app.badges import due_badge, state_badge
from app.assessment.drafts import computed_text
from app.supervision.notify import enterprise_messages
from app.menu import menu_counts
from app.deadlines.calendar import calendar_warning
from app.deadlines.policies import rating_deadline, rating_window_days
from app.deadlines.procedures import due_at as procedure_due_at
from app.display import (due_text, event_details, event_text, local, procedure_badge, public_actor, shift_text,
                         sla_badge)


def picker_query() -> str:
    """What was typed in the enterprise picker's search box, when a form was reloaded to narrow it (no JavaScript)."""
    return request.args.get("enterprise_q", "")[:60] if has_request_context() else ""


def register(app):
    """Install filters and template globals."""
    app.add_template_filter(local, "local")
    app.add_template_global(sla_badge, "sla_badge")
    app.add_template_global(state_badge, "state_badge")
    app.add_template_global(due_badge, "due_badge")
    app.add_template_global(procedure_badge, "procedure_badge")
    app.add_template_global(procedure_due_at, "procedure_due_at")
    app.add_template_global(event_details, "event_details")
    app.add_template_global(event_text, "event_text")
    app.add_template_global(public_actor, "public_actor")
    app.add_template_filter(due_text, "due")
    app.add_template_global(shift_text, "shift_text")

    app.add_template_global(enterprise_messages, "enterprise_messages")
    app.add_template_global(menu_counts, "menu_counts")
    app.add_template_global(calendar_warning, "calendar_gaps")
    app.add_template_global(_worker_state, "worker_state")
    app.add_template_global(computed_text, "draft_computed_text")
    app.add_template_global(default_rating_at, "default_rating_at")
    app.add_template_global(picker_query, "picker_query")

    @app.context_processor
    def inject():
        return {"E": enums, "languages": current_app.config["LANGUAGES"], "current_lang": str(get_locale())}


def default_rating_at(ticket):
    """When a resolved case still waiting for its rating will be rated by default (None once it is not waiting)."""
    if ticket.state != enums.TicketState.RESOLVED or ticket.resolved_at is None:
        return None
    return rating_deadline(ticket.resolved_at, rating_window_days())


def _worker_state() -> str:
    """The SLA worker's state for the admins' banner: "ok", "stale" or "never ran"."""
    from app.ops import worker_health
    return worker_health()["scheduler"]
