"""Sending the webhook outbox: per endpoint, in the order the events happened, at least once.

Each endpoint's pending rows go out oldest first; when one fails it waits out its back-off and the rows behind it
wait with it (a receiver never sees event N+1 before event N while N is still being retried). After
WEBHOOK_MAX_ATTEMPTS tries a row is marked failed (kept, and replayable) and the queue moves on. Every try of one
row carries the same delivery id and body, signed afresh with the current time. A try is recorded and committed
right after it ends. Webhooks are for machines: they do not wait for NOTIFY_HOURS."""
import http.client
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.webhook import DELIVERED, FAILED, PENDING
from app.timesource import utcnow
from app.webhooks import signing, transport
from app.webhooks.events import TEST_TYPE
from app.webhooks.payload import envelope, new_delivery_id

# The pause after the 1st, 2nd, 3rd … failed try; the last one repeats until WEBHOOK_MAX_ATTEMPTS.
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=6), timedelta(hours=12)]
LOCK_KEY = 7_324_115  # pg advisory lock id for "the webhook sender"
BATCH = 100


def backoff(failed_tries: int) -> timedelta:
    """How long to wait after this many failed tries."""
    return BACKOFF[min(failed_tries, len(BACKOFF)) - 1]


def _headers(delivery, secret: str, timestamp: int) -> dict:
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Jianjian-Webhooks/1",
            "X-Jianjian-Delivery": delivery.uid, "X-Jianjian-Event": delivery.event_type,
            "X-Jianjian-Signature": signing.header(secret, timestamp, delivery.body)}


def attempt(delivery: WebhookDelivery, now, *, scheduled: bool = True) -> bool:
    """Try one delivery once and record the outcome on its row (not committed): delivered on a 2xx answer.
    A scheduled try that fails backs off, or fails the row for good after the last try; an unscheduled one (a
    replay) leaves the schedule as it was. Whether it was delivered.

    The transaction open so far (which holds SQLite's write lock in a job or a POST) ends before the network call,
    so a slow or dead receiver never keeps anyone else from writing; nothing may be left unsaved when called."""
    cfg = current_app.config
    endpoint = delivery.endpoint
    url, body = endpoint.url, delivery.body
    headers = _headers(delivery, endpoint.secret, int(now.timestamp()))
    db.session.commit()
    answer, error = None, ""
    try:
        answer = transport.post(url, body.encode(), headers, timeout=cfg["WEBHOOK_TIMEOUT_SECONDS"],
                                allow_private=cfg["WEBHOOK_ALLOW_PRIVATE"])
        if not 200 <= answer.status < 300:
            error = f"HTTP {answer.status}"
    except transport.Blocked as exc:
        error = str(exc)
    except (OSError, http.client.HTTPException, ValueError) as exc:  # refused, timed out, TLS, bad answer
        error = f"{type(exc).__name__}: {exc}"
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = answer.status if answer else None
    delivery.last_response_ms = answer.elapsed_ms if answer else None
    delivery.last_error = error[:500]
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DELIVERED, now, None
        return True
    if scheduled:
        if delivery.attempts >= cfg["WEBHOOK_MAX_ATTEMPTS"]:
            delivery.status, delivery.next_attempt_at = FAILED, None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    return False


def _endpoint_queue(endpoint_id: int, budget: int) -> tuple[int, int]:
    """Send one endpoint's due rows in order until one has to wait; (delivered, failed tries)."""
    delivered = failed = 0
    while delivered + failed < budget:
        batch = db.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING)
            .order_by(WebhookDelivery.id).limit(min(BATCH, budget - delivered - failed))).all()
        for delivery in batch:
            now = utcnow()  # each try is its own unit of work: a long round never signs with a stale time
            if delivery.status != PENDING:
                continue  # an admin's replay delivered it meanwhile
            if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
                return delivered, failed  # the head is backing off: everything behind it waits
            ok = attempt(delivery, now)
            db.session.commit()
            if ok:
                delivered += 1
            else:
                failed += 1
                if delivery.status == PENDING:
                    return delivered, failed
        if len(batch) < BATCH:
            return delivered, failed
    return delivered, failed


def deliver_webhooks(budget: int = 2000) -> dict:
    """Send what is due on every active endpoint (the SLA worker's job), each try at the clock's time then; on
    PostgreSQL a lock keeps a second sender out, since two would break the order."""
    lock = None
    if db.engine.dialect.name == "postgresql":
        lock = db.engine.connect()
        if not lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
            lock.close()
            return {"skipped": True}
    try:
        endpoint_ids = db.session.scalars(select(WebhookEndpoint.id).where(WebhookEndpoint.is_active.is_(True))
                                          .order_by(WebhookEndpoint.id)).all()
        db.session.commit()
        totals = {"delivered": 0, "failed": 0}
        for endpoint_id in endpoint_ids:
            delivered, failed = _endpoint_queue(endpoint_id, budget - totals["delivered"] - totals["failed"])
            totals["delivered"] += delivered
            totals["failed"] += failed
        return totals
    finally:
        if lock is not None:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            lock.close()


def _wake(endpoint_id: int, now) -> None:
    """The endpoint answered: the row its queue waits on (backing off, perhaps for hours) is due at once, so the
    next run sends everything that waited instead of sleeping out the back-off."""
    db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING,
        WebhookDelivery.next_attempt_at > now).values(next_attempt_at=now))


def replay(delivery: WebhookDelivery, now) -> bool:
    """An admin's replay: one try at once, with the same delivery id and body; committed. A row that failed for
    good and now goes through is delivered; a failed replay leaves the row's schedule as it was. A replay that
    goes through wakes the endpoint's waiting queue."""
    ok = attempt(delivery, now, scheduled=False)
    if ok:
        _wake(delivery.endpoint_id, now)
    db.session.commit()
    return ok


def send_test(endpoint: WebhookEndpoint, now) -> WebhookDelivery:
    """Send a test event to an endpoint at once, tried once (never queued, never retried); kept in its log. One
    that goes through wakes the endpoint's waiting queue (an admin's way to say "the receiver is back")."""
    uid = new_delivery_id()
    data = {"message": "Jianjian webhook test", "endpoint": endpoint.name}
    delivery = WebhookDelivery(uid=uid, endpoint_id=endpoint.id, event_type=TEST_TYPE,
                               body=envelope(uid, TEST_TYPE, now, data), status=FAILED, created_at=now,
                               last_error="未发送")  # outside the queue from the start
    db.session.add(delivery)
    db.session.commit()
    if attempt(delivery, now, scheduled=False):
        _wake(endpoint.id, now)
    db.session.commit()
    return delivery


def state_of(delivery: WebhookDelivery) -> tuple[str, str]:
    """A delivery's state as admins read it, with its badge colour."""
    if delivery.status == DELIVERED:
        return _("已送达"), "success"
    if delivery.status == FAILED:
        return _("失败"), "danger"
    if delivery.attempts:
        return _("失败重试中"), "warning"
    return _("待发送"), "secondary"
