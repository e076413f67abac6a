"""The outbox page in the reader's language: each failed message's kind, recipient, channel, state and what went
wrong, and each background job's last run, as labels and sentences (never a stored dict or exception text)."""
import ast
import json
import re

from flask_babel import gettext as _, lazy_gettext as _l

from app.enums import SlaLevel
from app.messaging import texts
from app.supervision import notify

CHANNELS = {"in_app": _l("站内消息"), "email": _l("邮件"), "sms": _l("短信"), "webhook": _l("企业微信群")}
STAFF_KINDS = {"urge": _l("催办"), "supervise": _l("督办"), "extension": _l("延期"), "meeting": _l("会办通知"),
               "action_item": _l("会办事项"), "procedure_overdue": _l("代办超期"), "sign_in_code": _l("登录验证码")}
JOBS = {"sla-sweep": _l("时限检查"), "notify": _l("消息发送"), "webhooks": _l("Webhook 推送"),
        "draft-figures": _l("考评草稿计算"), "month-lines": _l("考评明细准备")}
FIGURES = {"checked": _l("检查时限 %(n)s 个"), "recorded": _l("级别变化 %(n)s 次"), "sent": _l("发出 %(n)s 条"),
           "delivered": _l("推送 %(n)s 条"), "failed": _l("失败 %(n)s 条"), "expired": _l("过期放弃 %(n)s 条")}
# What the staged lines' job did (`staging.keep`): "built 2026-11", "building 2026-11",
# "refreshed 2026-11,2026-10: 3 cases".
STAGE_DONE = re.compile(r"^(built|building|refreshed) (\d{4}-\d{2}(?:,\d{4}-\d{2})*)(?:: (\d+) cases)?$")


def kind_label(kind: str) -> str:
    """What a message is about, in words."""
    level = SlaLevel.get(kind)
    if level is not None:
        return _("时限%(level)s", level=level.label)
    if kind in texts.KINDS:
        return _("企业通知：%(kind)s", kind=texts.KINDS[kind].label)
    return str(STAFF_KINDS.get(kind, _("其他消息")))


def recipient(note) -> str:
    """Who the message is for: the person or the company, with the address it goes to."""
    if note.channel == "webhook":
        return str(CHANNELS["webhook"])
    who = note.user.display_name if note.user is not None else (note.enterprise.name if note.enterprise else "")
    return " ".join(part for part in (who, note.address or "") if part) or "—"


def error_text(error: str) -> str:
    """What went wrong, as an admin reads it: the known failures named, anything else without its raw details."""
    error = error or ""
    given_up = error.startswith(notify.GIVEN_UP)
    reason = error[len(notify.GIVEN_UP):].lstrip("：: ") if given_up else error
    if reason.startswith(notify.NO_GATEWAY):
        text = _("未配置短信网关")
    elif reason.startswith(notify.EXPIRED) or error.startswith(notify.EXPIRED):
        text = _("超过有效期仍未发出，不再发送")
    elif "webhook answered" in reason:
        code = re.search(r"errcode['\"]?\s*:\s*(-?\d+)", reason)
        text = _("企业微信群拒收（错误码 %(code)s）", code=code.group(1) if code else "?")
    elif "SMTPAuthentication" in reason:
        text = _("邮件服务器登录失败，请检查 MAIL_USERNAME 和 MAIL_PASSWORD")
    elif "SMTPRecipientsRefused" in reason or "SMTPDataError" in reason:
        text = _("邮件服务器拒收")
    elif "SMTP" in reason:
        text = _("邮件服务器出错")
    elif any(word in reason for word in ("ConnectionRefused", "URLError", "timed out", "TimeoutError", "OSError",
                                         "gaierror", "Connection")):
        text = _("无法连接服务器")
    elif "演示" in reason:
        text = _("演示数据，不发给虚构的号码")
    elif reason and not re.search(r"[{}\[\]]|Error|Exception", reason):
        text = reason  # a sentence of ours (the SMS gateway's refusal reason, in words)
    else:
        text = _("发送出错")
    return _("%(why)s；不再重试", why=text) if given_up else text


def failed_rows(notes) -> list[dict]:
    """The failed messages as the page lists them."""
    return [{"id": n.id, "kind": kind_label(n.kind), "channel": str(CHANNELS.get(n.channel, n.channel)),
             "recipient": recipient(n), "title": n.title, "attempts": n.attempts,
             "state": notify.delivery_state(n), "next_attempt_at": n.next_attempt_at,
             "error": error_text(n.last_error)} for n in notes]


def _figures(detail: str):
    """A job's stored figures: JSON (now), the text of a dict or "checked 3, recorded 1" (before), or None."""
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(detail)
        except (ValueError, SyntaxError, TypeError):
            continue
        if isinstance(value, dict):
            return value
    pairs = re.findall(r"([a-z_]+) (\d+)", detail or "")
    return {key: int(n) for key, n in pairs} or None


def job_summary(name: str, detail: str) -> str:
    """A background job's last result in words."""
    if name == "draft-figures":
        return _("已计算：%(months)s", months=detail) if detail else _("没有待计算的月份")
    if name == "month-lines":
        return _stage_summary(detail)
    figures = _figures(detail)
    if not figures:
        return ""
    parts = [str(FIGURES[key]) % {"n": value} for key, value in figures.items() if key in FIGURES]
    if figures.get("waiting"):
        parts.append(_("非工作时间，邮件和群消息等待发送"))
    return "，".join(parts)


def _stage_summary(detail: str) -> str:
    found = STAGE_DONE.match(detail or "")
    if not found:
        return ""
    what, months, cases = found.groups()
    month = _("、").join(months.split(","))  # the list separator of the reader's language
    if what == "built":
        return _("已准备 %(m)s 的考评明细", m=month)
    if what == "building":
        return _("正在准备 %(m)s 的考评明细", m=month)
    return _("%(m)s 的考评明细已更新：%(n)s 件诉求有变化", m=month, n=cases)


def job_rows(beats, now) -> list[dict]:
    """Each background job: its name, when it last ran, how long ago, and its last result."""
    return [{"name": str(JOBS.get(b.name, b.name)), "at": b.beat_at,
             "minutes_ago": round((now - b.beat_at).total_seconds() / 60, 1),
             "summary": job_summary(b.name, b.detail)} for b in beats]
