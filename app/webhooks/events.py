"""The webhook event types and which ticket event is which: the one table receivers and the admin page read."""
from flask_babel import lazy_gettext as _l

from app.enums import EventKind

TEST_TYPE = "webhook.test"  # the admin's "send test event": never subscribed to, never retried

# (type, label) in the order the admin page lists them.
EVENT_TYPES = [
    ("ticket.created", _l("新诉求登记（网上提交或线下登记）")),
    ("ticket.accepted", _l("受理")),
    ("ticket.rejected", _l("不予受理")),
    ("ticket.replied", _l("答复企业（不含内部备注）")),
    ("ticket.dispatched", _l("转办部门")),
    ("ticket.signed", _l("部门签收")),
    ("ticket.department_returned", _l("部门退回")),
    ("ticket.returned", _l("退回 12345 平台（退单）")),
    ("ticket.resolved", _l("办结")),
    ("ticket.reopened", _l("重办")),
    ("ticket.closed", _l("关闭")),
    ("ticket.rated", _l("企业评价")),
    ("ticket.overdue", _l("时限超期")),
]
TYPE_NAMES = [name for name, _label in EVENT_TYPES]
OVERDUE = "ticket.overdue"

# Ticket event kinds that always mean one type. Internal notes (NOTED), edits, deadlines' bookkeeping and links
# are never sent. `ticket.returned` is 退单 to the 12345 platform. `ticket.overdue` comes from the sweep
# (`record_event(webhook_type=…)`).
KIND_TYPES = {
    EventKind.CREATED.value: "ticket.created",
    EventKind.RECORDED.value: "ticket.created",
    EventKind.ACCEPTED.value: "ticket.accepted",
    EventKind.REJECTED.value: "ticket.rejected",
    EventKind.REPLIED.value: "ticket.replied",
    EventKind.DISPATCHED.value: "ticket.dispatched",
    EventKind.SIGNED.value: "ticket.signed",
    EventKind.RETURNED.value: "ticket.department_returned",
    EventKind.RESOLVED.value: "ticket.resolved",
    EventKind.REOPENED.value: "ticket.reopened",
    EventKind.CLOSED.value: "ticket.closed",
    EventKind.RATED.value: "ticket.rated",
    EventKind.PLATFORM_RETURNED.value: "ticket.returned",
}


def type_of(event, hint: str | None = None) -> str | None:
    """The webhook type of a ticket event, or None when it is not sent: a reply only when it is public (what the
    enterprise sees), never an internal note."""
    if hint in TYPE_NAMES:
        return hint
    name = KIND_TYPES.get(event.kind)
    if name == "ticket.replied" and not event.is_public:
        return None
    return name


def label_of(name: str) -> str:
    """A type's label for the admin pages (the name itself for one no longer listed)."""
    return str(dict(EVENT_TYPES).get(name, name))
