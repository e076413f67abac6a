"""How times, deadlines and events read to a person: one helper each, used by the pages, the messages the sweep
sends and the exports alike (so a deadline is written the same way everywhere)."""
from datetime import datetime, timedelta

from flask_babel import force_locale, lazy_gettext as _l

from app import enums
from app.journal import ENTERPRISE_ACTOR, PLATFORM_ACTOR
from app.deadlines.calendar import current_calendar, is_provisional
from app.deadlines.procedures import due_at as procedure_due_at
from app.translate import gettext as _
from sla import clocks
from sla.calendar import SHANGHAI


def local(dt, fmt="%Y-%m-%d %H:%M"):
    """Format an aware UTC datetime in Beijing time."""
    return dt.astimezone(SHANGHAI).strftime(fmt) if dt else ""


DETAIL_LABELS = {
    "lead": _l("主办部门"), "support": _l("协办部门"), "secretary": _l("项目秘书"), "department": _l("部门"),
    "role": _l("角色"), "title": _l("标题"), "description": _l("问题描述"), "category_id": _l("诉求类别"),
    "urgency": _l("紧急程度"), "satisfaction": _l("满意程度"), "solved": _l("解决情况"), "channel": _l("来源渠道"),
    "clock": _l("时限"), "days": _l("工作日"), "level": _l("级别"), "due": _l("到期时间"),
    "meeting": _l("会办会议"), "override": _l("强制办结理由"), "open_items": _l("未完成事项"), "owner": _l("责任方"),
    "link": _l("跟踪链接"), "issued_via": _l("发放方式"),
    "default": _l("评价方式"), "way": _l("回访方式"), "visited_on": _l("回访日期"), "satisfied_now": _l("企业现在"),
    "result": _l("回访结果"),
    # a 12345 work order's fields (its number, and what a changed order changed)
    "order_no": _l("工单编号"), "source": _l("来源平台"), "caller_name": _l("来电人"), "caller_phone": _l("来电号码"),
    "enterprise_name": _l("企业名称"), "credit_code": _l("统一社会信用代码"), "matter": _l("诉求内容"),
    "category": _l("平台分类"), "due_at": _l("平台办结时限"), "limit_days": _l("平台办理工作日"),
    "received_at": _l("接收时间"), "attachments": _l("附件"),
    "kept": _l("保留的诉求"), "duplicate": _l("并入的重复诉求"),
}
ROLE_WORDS = {"lead": _l("主办"), "support": _l("协办")}


def _detail_value(value):
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return "、".join(str(ROLE_WORDS.get(v, v)) for v in value)
    return str(ROLE_WORDS.get(value, value))


def _stored_due(value):
    """A due time as an event stored it (text of a UTC datetime), written the one way deadlines are written."""
    try:
        return due_text(datetime.fromisoformat(value)) if value else value
    except (TypeError, ValueError):
        return value


# ---- system texts of the timeline: stored as a code and parameters, read in the reader's language -----------------

SYSTEM_TEXTS = {
    "sla_warning": _l("%(clock)s将于 %(due)s 到期，请尽快处理。"),
    "sla_level": _l("%(clock)s已于 %(due)s 到期，目前为“%(level)s”。"),
    "submitted": _l("诉求已提交，等待受理。"),
    "registered": _l("已登记，项目秘书将跟进办理。"),
    "accepted": _l("您的诉求已受理，项目秘书将尽快答复。"),
    "resumed_by_supplement": _l("企业已补充材料，恢复办理。"),
    "default_rating": _l("办结后 %(n)d 日内未评价，系统默认评价为“%(sat)s”。"),
    "closed_after_default": _l("默认评价后关闭。"),
    "confirmed_by_enterprise": _l("企业已确认办理结果。"),
    "remediation_opened": _l("您的评价为“%(sat)s”。我们将对此进行整改，并在 %(due)s 前回访您。"),
    "return_visited": _l("企业服务中心已于 %(d)s %(way)s回访，差评整改已完成。"),
    "convened_public": _l("已安排会办（%(d)s），协调解决您的诉求。"),
    "convened_internal": _l("已安排会办协调解决：%(s)s（%(w)s，%(p)s）。"),
    "convened_budget": _l("会办件：办结时限按会办标准改为 %(n)d 个工作日，自最初开始计时（%(start)s）起算。"),
    "extension_approved_days": _l("%(clock)s到期时间改为 %(due)s（自批准之日起 %(n)d 个工作日）。"),
    "extension_approved_date": _l("%(clock)s到期时间改为 %(due)s（延至 %(day)s）。"),
    "sms_opted_out": _l("企业退订短信通知。"),
    "sms_opted_in": _l("企业恢复接收短信通知。"),
}


def _clock_param(params) -> str:
    """A clock named by its kind (and, for a sign-off or an action item, whose it is), in the current language."""
    kind = enums.ClockKind.get(params.get("clock"))
    label = kind.label if kind else str(params.get("clock", ""))
    whose = params.get("clock_of")
    if not whose:
        return label
    return f"{whose} · {label}" if kind is enums.ClockKind.SIGN_OFF else f"{label}：{whose}"


def _readable_params(params: dict) -> dict:
    """A system text's stored parameters as the current language writes them: codes become labels."""
    out = dict(params)
    if "clock" in params:
        out["clock"] = _clock_param(params)
    if "level" in params:
        level = enums.SlaLevel.get(params["level"])
        out["level"] = level.label if level else params["level"]
    if "sat" in params:
        sat = enums.Satisfaction.get(params["sat"])
        out["sat"] = sat.label if sat else params["sat"]
    if "due" in params:
        out["due"] = _stored_due(params["due"]) or "—"
    if "way" in params:
        way = enums.ReturnVisitWay.get(params["way"])
        out["way"] = way.label if way else params["way"]
    return out


def _render(code, params) -> str | None:
    msgid = SYSTEM_TEXTS.get(code)
    if msgid is None:
        return None
    params = params or {}
    try:
        text = str(msgid) % _readable_params(params)
    except (KeyError, TypeError, ValueError):
        return None
    return f"{text}\n{params['note']}" if params.get("note") else text  # a person's words, after the system's


def system_text(code: str, **params) -> dict:
    """`body` (in Chinese, what exports and searches read) and `text` (code and parameters) for record_event: a
    text the system writes on a timeline, read later in each reader's language. Parameters: plain values, and
    codes the page turns into labels: clock (a ClockKind value, with clock_of for whose), level, sat, due, way;
    `note`, a person's words, follows the text on its own line."""
    params = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in params.items()}
    with force_locale("zh"):
        body = _render(code, params)
    return {"body": body, "text": {"code": code, "params": params}}


def event_text(event) -> str:
    """An event's text as the reader reads it: a system text in the current language, anything a person wrote
    (and every event stored before system texts had codes) as it was written."""
    stored = event.details.get("_text")
    if isinstance(stored, dict):
        rendered = _render(stored.get("code"), stored.get("params"))
        if rendered is not None:
            return rendered
    return event.body


def event_details(event):
    """An event's before/after details as (label, text) pairs for people to read."""
    rows = []
    stored = event.details.get("_text")
    params = _readable_params(stored.get("params") or {}) if isinstance(stored, dict) else {}
    for key, value in event.details.items():
        if value in ([], None, "") or key == "_text":
            continue
        if key in ("clock", "level") and key in params:  # the code, read in the current language
            value = params[key]
        label = str(DETAIL_LABELS.get(key, key))
        if key == "urgency" and isinstance(value, list):
            value = [enums.Urgency(v).label if enums.Urgency.get(v) else v for v in value]
        if key == "due":
            value = [_stored_due(v) for v in value] if isinstance(value, list) else _stored_due(value)
        if key == "default":
            value = _("系统默认评价（企业未在期限内评价）") if value is True else value
        if isinstance(value, list) and len(value) == 2 and key not in ("support",):
            text = f"{_detail_value(value[0])} → {_detail_value(value[1])}"
        else:
            text = _detail_value(value)
        rows.append((label, text))
    return rows


def provisional_mark(dt) -> str:
    """"（暂定）" for a deadline that ends in a year whose holiday schedule is not fully known yet, else "": every
    deadline text and badge carries it, so such a deadline is never shown as if it were certain."""
    return _("（暂定）") if is_provisional(dt) else ""


def due_text(dt, with_year=True, mark=True):
    """A deadline in Beijing time, written one way on every page, board, export and message: one that ends at
    midnight reads as 24:00 of the day it ends ("2026-10-19 24:00", or "10-19 24:00" without the year), and one
    in a year whose schedule is not yet known is marked provisional ("2027-01-08 24:00（暂定）") unless `mark` is
    off (a preview of the calendar that will make it certain)."""
    if dt is None:
        return ""
    local_dt = dt.astimezone(SHANGHAI)
    day_format = "%Y-%m-%d" if with_year else "%m-%d"
    suffix = provisional_mark(dt) if mark else ""
    if local_dt.hour == 0 and local_dt.minute == 0:
        return (local_dt - timedelta(days=1)).strftime(day_format) + " 24:00" + suffix
    return local_dt.strftime(f"{day_format} %H:%M") + suffix


def shift_text(delta: timedelta) -> str:
    """How far a deadline moves, for people: "推后 2 天", "提前 1 天" (hours when less than whole days)."""
    later = delta > timedelta(0)
    span = abs(delta)
    if span % timedelta(days=1) == timedelta(0):
        n = span // timedelta(days=1)
        return _("推后 %(n)d 天", n=n) if later else _("提前 %(n)d 天", n=n)
    hours = round(span / timedelta(hours=1), 1)
    return _("推后 %(n)s 小时", n=f"{hours:g}") if later else _("提前 %(n)s 小时", n=f"{hours:g}")


HOUR_UNITS = ("hours", "office_hours")


def time_to_due(unit, due_at, now) -> timedelta:
    """Time left to a deadline (negative once overdue) as its clock counts: calendar hours for an hour clock,
    working time for a working-day clock. Badges, the deadline explanation and the overdue board read this."""
    return clocks.time_to_due(unit or "working_days", due_at, now, current_calendar())


def span_text(unit, span: timedelta) -> str:
    """An amount of a clock's time for people: whole hours for an hour clock ("15 小时"); working days to one
    decimal for a working-day clock ("1.5 个工作日"), or its working hours when under a day."""
    span = abs(span)
    if unit in HOUR_UNITS or span < timedelta(days=1):
        return _("%(n)d 小时", n=int(span / timedelta(hours=1)))
    return _("%(n).1f 个工作日", n=span / timedelta(days=1))


def lateness_text(unit, due_at, now) -> str:
    """How far past its deadline a clock is, in its own unit; empty when it is not late."""
    if due_at is None or now <= due_at:
        return ""
    late = time_to_due(unit, due_at, now)
    return span_text(unit, late) if late else ""  # a working-day clock due on Friday is not later on Sunday


def _badge_text(unit, due_at, now) -> tuple[bool, str]:
    """Whether `due_at` has passed, and how far it is from `now` as the clock counts, in the badge's words."""
    left = time_to_due(unit, due_at, now)
    late = now > due_at
    span = abs(left)
    hours = int(span / timedelta(hours=1))
    if unit not in HOUR_UNITS and span >= timedelta(days=1):
        amount = span / timedelta(days=1)
        text = _("超期 %(n).1f 个工作日", n=amount) if late else _("剩 %(n).1f 个工作日", n=amount)
    else:
        text = _("超期 %(h)d 小时", h=max(hours, 1)) if late else _("剩 %(h)d 小时", h=hours)
    text += provisional_mark(due_at)
    return late, text


def sla_badge(ticket, now):
    """(css class, text) for a ticket's nearest deadline, counted in its clock's own unit, coloured by its level."""
    if ticket.due_at is None:
        return "secondary", (_("暂停计时") if ticket.state == enums.TicketState.ON_HOLD else _("无时限"))
    late, text = _badge_text(ticket.due_unit or "working_days", ticket.due_at, now)
    level = enums.SlaLevel.get(ticket.sla_level)
    css = level.css if level else "success"
    if late and css in ("success", "warning"):
        css = "danger"  # past due, before the sweep has recorded it
    return css, text


def procedure_badge(procedure, now):
    """(css class, text) for a 代办 procedure's due time in the words and colours of a case's badge, or None when
    no deadline runs (not yet submitted, or decided). Late is red; within the last quarter of its standard working
    days, yellow (the default warning of a case)."""
    due = procedure_due_at(procedure)
    if due is None:
        return None
    late, text = _badge_text("working_days", due, now)
    if late:
        return "danger", text
    left = time_to_due("working_days", due, now) / timedelta(days=1)
    return ("warning" if left <= procedure.type.standard_wd * 0.25 else "success"), text


def clock_label(clock):
    """A clock's name for people, with the department for a sign-off clock."""
    label = enums.ClockKind(clock.kind).label
    if clock.kind == enums.ClockKind.SIGN_OFF.value and clock.assignment is not None:
        return f"{clock.assignment.department.name} · {label}"
    if clock.kind == enums.ClockKind.ACTION_ITEM.value and clock.action_item is not None:
        return f"{label}：{clock.action_item.title[:30]}（{clock.action_item.owner_label}）"
    return label


def outside_limit_text(clock, status) -> str:
    """How the 12345 platform's time limit bears on a resolution clock's deadline, for its explanation; "" for a
    clock without one, or once an approved extension set the due time (that explains itself)."""
    if clock.limit_at is None or any(e.status == enums.ExtensionStatus.APPROVED and e.due_after is not None
                                     for e in clock.extensions):
        return ""
    if status.limited:
        return _("12345 平台时限（%(limit)s）早于本中心时限（%(policy)s），按平台时限。",
                 limit=due_text(clock.limit_at), policy=due_text(status.policy_due_at))
    return _("12345 平台时限（%(limit)s）不早于本中心时限，按本中心时限。", limit=due_text(clock.limit_at))


def public_actor(event) -> str:
    """Who did it, as the enterprise may read it: the enterprise itself or the 12345 platform by name, everyone
    else (staff, departments, integrations, the system) as the centre."""
    if event.actor_id is None and event.actor_name in (ENTERPRISE_ACTOR, PLATFORM_ACTOR):
        return event.actor_name
    return str(_("企业服务中心"))
