"""What each kind of message to an enterprise says: the defaults (kept short, one SMS is 70 characters and the
link takes half), admins' overrides with a preview, and the placeholders each kind may use.

A placeholder is a name in braces ({number}); rendering replaces exactly those names and nothing else (no
str.format: a template can reach no attribute of anything). A brace that is not a known placeholder of its kind
is refused when the template is saved, with the placeholders it could use."""
import re
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_change
from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.models import MessageTemplate
from app.text import clean_text, one_line
from app.timesource import utcnow

PLACEHOLDER_LABELS = {
    "number": _l("诉求编号"), "title": _l("诉求标题（前 20 字）"), "link": _l("查询链接"), "secretary": _l("项目秘书"),
    "date": _l("日期"), "enterprise": _l("企业名称"), "month": _l("月份"),
}
CASE = ("number", "title", "link", "secretary", "enterprise")


@dataclass(frozen=True)
class MessageKind:
    """One kind of message to an enterprise: when it is sent, its placeholders and its default wording."""

    key: str
    label: object
    when: object
    placeholders: tuple
    subject: str
    text: str


KINDS = {k.key: k for k in (
    MessageKind("accepted", _l("受理"), _l("秘书受理诉求时"), CASE,
                "诉求{number}已受理", "您的诉求{number}已受理，项目秘书{secretary}将跟进办理。进度：{link}"),
    MessageKind("first_reply", _l("首次答复"), _l("第一次答复企业时"), CASE,
                "诉求{number}已有答复", "您的诉求{number}已有答复，请查看：{link}"),
    MessageKind("meeting_arranged", _l("安排会办"), _l("为诉求召开会办时"), CASE + ("date",),
                "诉求{number}已安排会办", "您的诉求{number}已安排{date}会办协调，进度：{link}"),
    MessageKind("meeting_concluded", _l("会办结论"), _l("会办纪要写明对企业的结论时"), CASE,
                "诉求{number}会办已有结论", "您的诉求{number}会办已形成结论，请查看：{link}"),
    MessageKind("resolved", _l("办结"), _l("诉求办结时，请企业确认并评价"), CASE,
                "诉求{number}已办结，请确认并评价", "您的诉求{number}已办结，请确认结果并评价：{link}"),
    MessageKind("reopened", _l("重办"), _l("诉求重新办理时"), CASE,
                "诉求{number}已重新办理", "您的诉求{number}已重新办理，我们将继续跟进：{link}"),
    MessageKind("deadline_changed", _l("办结时限延期"), _l("督办人员批准延长办结时限时"), CASE + ("date",),
                "诉求{number}办结时限已调整", "您的诉求{number}办结时限延至{date}，进度：{link}"),
    MessageKind("merged", _l("并单"), _l("两件反映同一问题的诉求合并办理时（双方企业各自收到）"), CASE,
                "诉求{number}已合并办理", "您的诉求{number}与反映同一问题的诉求合并办理，进度：{link}"),
    MessageKind("unmerged", _l("撤销并单"), _l("督办人员撤销并单、诉求恢复单独办理时"), CASE,
                "诉求{number}恢复单独办理", "您的诉求{number}已恢复单独办理，进度：{link}"),
    MessageKind("evaluation", _l("月度评价邀请"), _l("督办人员发送月度评价邀请时（仅核实过的联系人）"),
                ("enterprise", "month", "link", "secretary"),
                "{month}服务评价邀请", "请为{month}服务贵企业的秘书和部门评分：{link}"),
    MessageKind("tracking_link", _l("查询链接"), _l("秘书为线下登记的诉求发送查询链接时"), CASE,
                "诉求{number}查询链接", "您反映的诉求{number}已登记，查看进度：{link}"),
)}

SAMPLE = {"number": "JJ-2026-000123", "title": "厂房施工许可办理咨询", "link": "https://example.gov.cn/track/JJ-2026-000123",
          "secretary": "王晓明", "date": "12月3日", "enterprise": "示例科技有限公司", "month": "2026年11月"}

_BRACES = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z_]+$")
MAX_SUBJECT, MAX_TEXT = 100, 500


def kind_of(key: str) -> MessageKind | None:
    """The message kind with this key, or None."""
    return KINDS.get(key)


def check_placeholders(text: str, kind: MessageKind, label) -> None:
    """Refuse a brace that is not one of the kind's placeholders, naming it and the ones it could use."""
    allowed = "、".join("{%s}" % p for p in kind.placeholders)
    for found in _BRACES.findall(text):
        if found not in kind.placeholders:
            shown = "{%s}" % found
            if _NAME.match(found) and found in PLACEHOLDER_LABELS:
                raise ValidationFailed(_("%(label)s中的占位符 %(p)s 不能用于“%(kind)s”消息。可用的占位符：%(allowed)s",
                                         label=label, p=shown, kind=kind.label, allowed=allowed))
            raise ValidationFailed(_("%(label)s中有未知的占位符 %(p)s。可用的占位符：%(allowed)s",
                                     label=label, p=shown, allowed=allowed))
    if "{" in _BRACES.sub("", text) or "}" in _BRACES.sub("", text):
        raise ValidationFailed(_("%(label)s中的花括号不成对。占位符应写成 {number} 这样，可用的占位符：%(allowed)s",
                                 label=label, allowed=allowed))


def render(text: str, values: dict) -> str:
    """Put the values into the placeholders (values are made one line; an unknown name stays as written)."""
    return _BRACES.sub(lambda m: one_line(str(values[m.group(1)])) if m.group(1) in values else m.group(0), text)


def email_body(text: str, config) -> str:
    """The email to an enterprise: the message, then the centre's name (its SMS signature without brackets)."""
    sender = config.get("SMS_SIGNATURE", "").strip("【】[] ")
    return f"{text}\n\n{sender}".rstrip()


def current(kind: MessageKind) -> tuple[str, str, bool]:
    """(subject, text, overridden?) as messages of this kind are written now."""
    row = db.session.scalar(select(MessageTemplate).where(MessageTemplate.kind == kind.key))
    return (row.subject, row.text, True) if row is not None else (kind.subject, kind.text, False)


def checked(kind: MessageKind, subject, text) -> tuple[str, str]:
    """The subject and text cleaned and checked (length, one line, placeholders), or ValidationFailed."""
    subject = clean_text(subject, _("邮件标题"), MAX_SUBJECT, single_line=True)
    text = clean_text(text, _("消息内容"), MAX_TEXT, single_line=True)
    check_placeholders(subject, kind, _("邮件标题"))
    check_placeholders(text, kind, _("消息内容"))
    return subject, text


def _audited(kind: MessageKind, row) -> dict:
    """The wording in force: the admin's row, or the default."""
    if row is None:
        return {"subject": str(kind.subject), "text": str(kind.text)}
    return {"subject": row.subject, "text": row.text}


def save_template(actor, kind: MessageKind, subject, text, *, now) -> MessageTemplate:
    """An admin changes the wording of one kind of message; later messages use it."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改消息模板。"))
    subject, text = checked(kind, subject, text)
    row = db.session.scalar(select(MessageTemplate).where(MessageTemplate.kind == kind.key))
    before = _audited(kind, row)
    if row is None:
        row = MessageTemplate(kind=kind.key)
        db.session.add(row)
    row.subject, row.text, row.updated_at, row.updated_by_id = subject, text, now, actor.id
    record_change(actor, "update", "message_template", kind.key, before, _audited(kind, row), now)
    db.session.commit()
    return row


def reset_template(actor, kind: MessageKind, now=None) -> None:
    """An admin goes back to the default wording of one kind of message."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改消息模板。"))
    row = db.session.scalar(select(MessageTemplate).where(MessageTemplate.kind == kind.key))
    if row is not None:
        record_change(actor, "reset", "message_template", kind.key, _audited(kind, row), _audited(kind, None),
                      now or utcnow())
        db.session.delete(row)
    db.session.commit()
