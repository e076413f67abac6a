"""What a webhook carries: an envelope (delivery id, type, time, event id) around `payload_for(ticket, event)`.

The body is built once, in the transaction that records the event, and stored: every try and every replay sends
the same bytes. Text the enterprise does not see (internal notes, dispatch instructions, return reasons) never
goes out: an event's text is sent only when the event is public."""
import json
import uuid

from flask import current_app
from sqlalchemy import select

from app.enums import Channel, EventKind, TicketState
from app.extensions import db
from app.models import TicketEvent
from app.webhooks.hotline import outbound_events_for


def new_delivery_id() -> str:
    """A delivery's unique id (the receiver's deduplication key)."""
    return f"dlv_{uuid.uuid4().hex}"


def _iso(dt):
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _label(enum_cls, value):
    member = enum_cls.get(value) if value else None
    return member.label if member else value


def ticket_part(ticket) -> dict:
    """The case as a receiver needs it: numbers, state, category, company, lead department, deadline."""
    lead = ticket.lead_assignment
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return {
        "id": ticket.id, "number": ticket.number, "title": ticket.title,
        "state": str(ticket.state), "state_label": _label(TicketState, str(ticket.state)),
        "channel": ticket.channel, "channel_label": _label(Channel, ticket.channel),
        "urgency": ticket.urgency, "category": ticket.category.name if ticket.category else None,
        "enterprise": {"name": ticket.enterprise.name, "credit_code": ticket.enterprise.credit_code},
        "lead_department": lead.department.name if lead else None,
        "created_at": _iso(ticket.created_at), "due_at": _iso(ticket.due_at),
        "url": f"{base}/tickets/{ticket.id}" if base else None,
    }


def event_part(event) -> dict:
    """The event: its kind, time, actor, state change, details, and its text only when it is public."""
    return {"id": event.id, "kind": event.kind, "at": _iso(event.at), "actor": event.actor_name,
            "from_state": event.from_state, "to_state": event.to_state, "public": bool(event.is_public),
            "text": event.body if event.is_public else None,
            # Details of an internal event (a forced resolution's reason, open action items …) stay inside.
            "details": event.details if event.is_public else {}}


def payload_for(ticket, event) -> dict:
    """The `data` of a ticket event's webhook; for a case from the 12345 platform, what the platform hears about it
    (`hotline`: its order number, the push-back's type and text), when it is such an event."""
    data = {"ticket": ticket_part(ticket), "event": event_part(event)}
    hotline = outbound_events_for(ticket, event)
    if hotline is not None:
        data["hotline"] = hotline
    if event.kind == EventKind.REPLIED.value:
        # The first public reply is what the 首次答复 deadline measures; receivers need not work it out.
        data["event"]["first_reply"] = db.session.scalar(select(TicketEvent.id).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.REPLIED.value,
            TicketEvent.is_public.is_(True), TicketEvent.id < event.id).limit(1)) is None
    return data


def envelope(delivery_id: str, event_type: str, at, data: dict, event_id=None) -> str:
    """The JSON body as sent and signed: id (= X-Jianjian-Delivery), type, created_at, event_id, data."""
    return json.dumps({"id": delivery_id, "type": event_type, "created_at": _iso(at), "event_id": event_id,
                       "data": data}, ensure_ascii=False, separators=(",", ":"), default=str)
