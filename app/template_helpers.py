"""Filters and globals for templates: local times, deadline badges, enums."""
from datetime import timedelta

from flask import current_app
from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from app import enums
from sla.calendar import SHANGHAI


def local(dt, fmt="%Y-%m-%d %H:%M"):
    """Format an aware UTC datetime in Beijing time."""
    return dt.astimezone(SHANGHAI).strftime(fmt) if dt else ""


DETAIL_LABELS = {
    "lead": _l("主办部门"), "support": _l("协办部门"), "secretary": _l("项目秘书"), "department": _l("部门"),
    "role": _l("角色"), "title": _l("标题"), "description": _l("问题描述"), "category_id": _l("诉求类别"),
    "urgency": _l("紧急程度"), "satisfaction": _l("满意程度"), "solved": _l("解决情况"), "channel": _l("来源渠道"),
}
ROLE_WORDS = {"lead": _l("主办"), "support": _l("协办")}


def _detail_value(value):
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return "、".join(str(ROLE_WORDS.get(v, v)) for v in value)
    return str(ROLE_WORDS.get(value, value))


def event_details(event):
    """An event's before/after details as (label, text) pairs for people to read."""
    rows = []
    for key, value in event.details.items():
        if value in ([], None, ""):
            continue
        label = str(DETAIL_LABELS.get(key, key))
        if key == "urgency" and isinstance(value, list):
            value = [enums.Urgency(v).label if enums.Urgency.get(v) else v for v in value]
        if isinstance(value, list) and len(value) == 2 and key not in ("support",):
            text = f"{_detail_value(value[0])} → {_detail_value(value[1])}"
        else:
            text = _detail_value(value)
        rows.append((label, text))
    return rows


def due_text(dt):
    """A deadline in Beijing time; one that ends at midnight reads as 24:00 of the day before."""
    if dt is None:
        return ""
    local_dt = dt.astimezone(SHANGHAI)
    if local_dt.hour == 0 and local_dt.minute == 0:
        return (local_dt - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    return local_dt.strftime("%Y-%m-%d %H:%M")


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
    app.add_template_global(event_details, "event_details")
    app.add_template_filter(due_text, "due")

    @app.context_processor
    def inject():
        return {"E": enums, "languages": current_app.config["LANGUAGES"], "current_lang": str(get_locale())}
