"""The hook: every ticket event recorded through `journal.record_event` is noted here, and when its unit of work
commits, one delivery row per subscribed active endpoint is written in that same transaction (just before it
commits). An event that is rolled back leaves no delivery; a committed one always has its deliveries, so a process
that dies after the commit loses nothing (the SLA worker sends them later)."""
from sqlalchemy import event as sa_event, inspect, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.webhook import PENDING
from app.webhooks.events import type_of
from app.webhooks.hotline import outbound_events_for
from app.webhooks.payload import envelope, new_delivery_id, payload_for

_KEY = "jj_webhook_events"


def track(event, hint: str | None = None) -> None:
    """Note a just-recorded event (and a type the kind alone does not tell) for the deliveries at commit."""
    db.session.info.setdefault(_KEY, []).append((event, hint))


@sa_event.listens_for(Session, "before_commit")
def _write_deliveries(session) -> None:
    tracked = session.info.pop(_KEY, None)
    if not tracked:
        return
    session.flush()  # ids for the events (and for a ticket made in this unit of work)
    typed = [(event, type_of(event, hint)) for event, hint in tracked if inspect(event).persistent]
    typed = [(event, name) for event, name in typed if name]
    if not typed:
        return
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True))
                                .order_by(WebhookEndpoint.id)).all()
    if not endpoints:
        return
    # In the order the events happened, so each endpoint's queue (ordered by row id) is in event order.
    for event, name in sorted(typed, key=lambda pair: pair[0].id):
        data = None
        for endpoint in endpoints:
            if name not in endpoint.types:
                continue
            if endpoint.hotline_only and outbound_events_for(event.ticket, event) is None:
                continue  # the 12345 platform hears of its own orders only, and only what the exchange tells it
            data = data or payload_for(event.ticket, event)
            uid = new_delivery_id()
            session.add(WebhookDelivery(uid=uid, endpoint_id=endpoint.id, event_id=event.id, ticket_id=event.ticket_id,
                                        event_type=name, body=envelope(uid, name, event.at, data, event.id),
                                        status=PENDING, created_at=event.at, next_attempt_at=event.at))
    session.flush()  # in order: row ids follow the events


@sa_event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:  # the unit of work ended (committed or rolled back): nothing carries over
        session.info.pop(_KEY, None)
