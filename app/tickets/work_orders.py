"""A 12345 work order's fields: read from what the platform (or a secretary) sent, checked, fingerprinted, and
kept as one HotlineOrder row. The exchange (app/tickets/exchange.py) decides what a delivery does to the case."""
import hashlib
import json
from datetime import datetime, timezone

from flask_babel import gettext as _, lazy_gettext as _l

from app.deadlines.calendar import current_calendar
from app.display import due_text, local
from app.enums import Urgency
from app.errors import ValidationFailed
from app.models import HotlineOrder
from app.text import clean_text
from app.validators import is_valid_credit_code, normalize_credit_code
from sla.calendar import SHANGHAI

# The fields a work order carries, in the order a change lists them, with their names for people.
FIELDS = {
    "order_no": _l("工单编号"), "source": _l("来源平台"), "caller_name": _l("来电人"), "caller_phone": _l("来电号码"),
    "enterprise_name": _l("企业名称"), "credit_code": _l("统一社会信用代码"), "title": _l("工单标题"),
    "matter": _l("诉求内容"), "category": _l("平台分类"), "urgency": _l("紧急程度"), "due_at": _l("平台办结时限"),
    "limit_days": _l("平台办理工作日"), "received_at": _l("接收时间"), "attachments": _l("附件"),
}
URGENT_WORDS = {"紧急", "urgent", "加急", "特急"}
NORMAL_WORDS = {"", "普通", "一般", "normal"}
MAX_ATTACHMENTS = 20


def parse_moment(value, label):
    """A moment sent as a datetime or ISO 8601 text ("2026-09-25T10:00:00+08:00"; without an offset it is Beijing
    time), as aware UTC; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed(_("%(label)s格式不正确，应为 2026-09-25T10:00:00+08:00 这样的时间。",
                                     label=label)) from None
    if not isinstance(value, datetime):
        raise ValidationFailed(_("%(label)s格式不正确，应为 2026-09-25T10:00:00+08:00 这样的时间。", label=label))
    if not 2000 <= value.year <= 2100:  # also keeps year 1 and 9999 from overflowing in the zone conversion
        raise ValidationFailed(_("%(label)s应在 2000 年到 2100 年之间。", label=label))
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(timezone.utc)


def _text(fields, key, max_len, *, required=False, single_line=True):
    value = fields.get(key)
    if value is not None and not isinstance(value, str):
        value = str(value)
    return clean_text(value, str(FIELDS[key]), max_len, required=required, single_line=single_line)


def _urgency(value) -> str:
    word = str(value or "").strip()
    if word in URGENT_WORDS:
        return Urgency.URGENT.value
    if word in NORMAL_WORDS:
        return Urgency.NORMAL.value
    raise ValidationFailed(_("紧急程度只能是“普通”或“紧急”。"))


def _limit_days(value):
    if value in (None, ""):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 365 or (isinstance(value, float) and value != days):
        raise ValidationFailed(_("平台办理工作日应为 1 到 365 之间的整数。"))
    return days


def _attachments(value) -> list:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS:
        raise ValidationFailed(_("附件应为列表，最多 %(n)d 个。", n=MAX_ATTACHMENTS))
    kept = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ValidationFailed(_("每个附件都要有文件名。"))
        url, content = item.get("url"), item.get("content")
        if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 2000:
            kept.append({"name": item["name"].strip()[:200], "url": url})
        elif isinstance(content, str) and content:
            kept.append({"name": item["name"].strip()[:200], "content": content})
        else:
            raise ValidationFailed(_("附件“%(name)s”既没有下载地址（http/https），也没有内容。", name=item["name"][:50]))
    return kept


def read_order(fields: dict, now) -> dict:
    """The order's fields as one plain dict (text, numbers, ISO moments), checked: a clear message for the first
    thing wrong. The received time defaults to `now`."""
    if not isinstance(fields, dict):
        raise ValidationFailed(_("工单内容格式不正确。"))
    matter = _text(fields, "matter", 5000, required=True, single_line=False)
    code = normalize_credit_code(str(fields.get("credit_code") or ""))
    received = parse_moment(fields.get("received_at"), str(FIELDS["received_at"])) or now
    due = parse_moment(fields.get("due_at"), str(FIELDS["due_at"]))
    return {
        "source": _text(fields, "source", 40) or "12345",
        "order_no": _text(fields, "order_no", 64, required=True),
        "caller_name": _text(fields, "caller_name", 40),
        "caller_phone": _text(fields, "caller_phone", 30),
        "enterprise_name": _text(fields, "enterprise_name", 120),
        "credit_code": code if is_valid_credit_code(code) else "",  # a malformed code matches nobody (raw keeps it)
        "title": _text(fields, "title", 100) or matter.splitlines()[0][:30],
        "matter": matter,
        "category": _text(fields, "category", 100),
        "urgency": _urgency(fields.get("urgency")),
        "due_at": due.isoformat() if due else "",
        "limit_days": _limit_days(fields.get("limit_days")),
        "received_at": received.isoformat(),
        "attachments": _attachments(fields.get("attachments")),
    }


def content_hash(order: dict) -> str:
    """A fingerprint of the order's content: the same order sent again has the same one."""
    return hashlib.sha256(json.dumps(order, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def platform_limit(order: dict):
    """The platform's time limit as one moment: the due time sent, or the end of the N-th working day after the
    day it was received (day 0 not counted, as the centre counts), the earlier when both came; None without."""
    received = datetime.fromisoformat(order["received_at"])
    candidates = []
    if order["due_at"]:
        candidates.append(datetime.fromisoformat(order["due_at"]))
    if order["limit_days"]:
        candidates.append(current_calendar().working_days_deadline(received, order["limit_days"]))
    return min(candidates) if candidates else None


def _moment(text):
    return datetime.fromisoformat(text) if text else None


def fill(row: HotlineOrder, order: dict, raw, now) -> None:
    """Write the order's fields onto its row."""
    row.source, row.order_no = order["source"], order["order_no"]
    row.caller_name, row.caller_phone = order["caller_name"], order["caller_phone"]
    row.enterprise_name, row.credit_code = order["enterprise_name"], order["credit_code"]
    row.title, row.matter = order["title"], order["matter"]
    row.category_text = order["category"]
    row.urgency_text = Urgency(order["urgency"]).value
    row.limit_due_at, row.limit_days = _moment(order["due_at"]), order["limit_days"]
    row.limit_at = platform_limit(order)
    row.received_at = _moment(order["received_at"])
    row.attachments = json.dumps(order["attachments"], ensure_ascii=False)
    row.raw = json.dumps(raw, ensure_ascii=False, default=str)
    row.content_hash = content_hash(order)
    row.updated_at = now


def order_row(ticket, fields: dict, now) -> HotlineOrder:
    """A new HotlineOrder row for the ticket from the fields sent."""
    order = read_order(fields, now)
    row = HotlineOrder(created_at=now)
    fill(row, order, fields, now)  # reads the calendar: before the row joins the session half-filled
    row.ticket = ticket
    return row


def stored_order(row: HotlineOrder) -> dict:
    """The row's fields in the shape `read_order` gives, to compare with a new delivery."""
    return {
        "source": row.source, "order_no": row.order_no, "caller_name": row.caller_name,
        "caller_phone": row.caller_phone, "enterprise_name": row.enterprise_name, "credit_code": row.credit_code,
        "title": row.title, "matter": row.matter, "category": row.category_text, "urgency": row.urgency_text,
        "due_at": row.limit_due_at.isoformat() if row.limit_due_at else "", "limit_days": row.limit_days,
        "received_at": row.received_at.isoformat(), "attachments": row.attachment_list,
    }


def readable(key, value) -> str:
    """A field's value for people, in a change's before/after."""
    if value in (None, "", []):
        return "—"
    if key == "due_at":
        return due_text(datetime.fromisoformat(value))
    if key == "received_at":
        return local(datetime.fromisoformat(value))
    if key == "urgency":
        return urgency_word(value)
    if key == "attachments":
        return "、".join(a["name"] for a in value)
    return str(value)


def urgency_word(value) -> str:
    """普通 / 紧急, as the platform says it."""
    return _("紧急") if value == Urgency.URGENT.value else _("普通")


def changes(before: dict, after: dict) -> dict:
    """The fields that differ, by key, as [before, after] for people."""
    return {key: [readable(key, before.get(key)), readable(key, after.get(key))]
            for key in FIELDS if before.get(key) != after.get(key)}
