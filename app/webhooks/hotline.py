"""What the 12345 platform hears about a case it sent: the exchange's outbound half. Webhook endpoints marked
"12345 平台" receive these events of 12345 cases only, each with its work order's number (app/webhooks/outbox.py)."""
from flask_babel import gettext as _

from app.enums import Channel, EventKind
from sla.calendar import SHANGHAI

# What the platform hears about, by event kind: its acceptance, replies to the enterprise, dispatch, refusal or
# return with the reason, the outcome and the closure. Notes, deadlines and everything internal stay here.
OUTBOUND = {
    EventKind.ACCEPTED.value: "accepted", EventKind.REPLIED.value: "replied", EventKind.DISPATCHED.value: "dispatched",
    EventKind.REJECTED.value: "rejected", EventKind.PLATFORM_RETURNED.value: "returned",
    EventKind.RESOLVED.value: "resolved", EventKind.CLOSED.value: "closed",
}


def outbound_events_for(ticket, event):
    """The payload to push to the 12345 platform for this event of a case that came from it, or None: {"source",
    "order_no", "type", "time" (ISO 8601, Beijing), "text", "ticket", "event_id"}. A dispatch tells only the
    departments (its instructions are internal)."""
    kind = OUTBOUND.get(event.kind)
    if kind is None or ticket.channel != Channel.HOTLINE.value or ticket.hotline_order is None:
        return None
    if kind == "replied" and not event.is_public:
        return None
    text = event.body
    if kind == "dispatched":
        details = event.details
        text = _("已转交%(lead)s办理。", lead=details.get("lead", ""))
        if details.get("support"):
            text += _("协办：%(names)s。", names="、".join(details["support"]))
    elif kind == "closed" and not text:
        text = _("诉求已办结并关闭。")
    order = ticket.hotline_order
    return {"source": order.source, "order_no": order.order_no, "type": kind,
            "time": event.at.astimezone(SHANGHAI).isoformat(timespec="seconds"), "text": text or "",
            "ticket": ticket.number, "event_id": event.id}
