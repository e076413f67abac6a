"""Filters and globals for templates: local times, deadline badges, enums."""
from datetime import timedelta

from flask import current_app
from flask_babel import get_locale, gettext as _

from app import enums
from sla.calendar import SHANGHAI


def local(dt, fmt="%Y-%m-%d %H:%M"):
    """Format an aware UTC datetime in Beijing time."""
    return dt.astimezone(SHANGHAI).strftime(fmt) if dt else ""


def deadline(due, now):
    """(css class, text) for a deadline badge: overdue, due today, soon, or fine."""
    if due is None:
        return "secondary", _("无时限")
    left = due - now
    if left < timedelta(0):
        hours = int(-left.total_seconds() // 3600)
        text = _("已超期 %(d)d 天", d=hours // 24) if hours >= 24 else _("已超期 %(h)d 小时", h=max(hours, 1))
        return "danger", text
    hours = int(left.total_seconds() // 3600)
    if hours < 24:
        return "warning", _("剩 %(h)d 小时", h=max(hours, 0))
    return ("info" if hours < 72 else "success"), _("剩 %(d)d 天", d=hours // 24)


def register(app):
    """Install filters and template globals."""
    app.add_template_filter(local, "local")
    app.add_template_global(deadline, "deadline")

    @app.context_processor
    def inject():
        return {"E": enums, "languages": current_app.config["LANGUAGES"], "current_lang": str(get_locale())}
