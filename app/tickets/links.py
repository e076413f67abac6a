"""Personal tracking links: /t/<token> opens one ticket's public page without its number and access code.

A token is 256 bits in URL-safe base64 (43 characters). Only its SHA-256 is stored, like an access code's, so the
database alone never opens a case; the token itself is shown once: on the enterprise's receipt, to the staff
member who issued it, or in the message it was issued for. A ticket may have several links (the receipt's, one
sent by SMS, one a secretary issued for a colleague of the contact …); the case's secretary or a supervisor
revokes any of them, and a revoked link answers exactly like one that never existed.

The receipt's token is derived from the form's submission key, as the access code is, so a resubmitted form
(a double click, a retry after a lost answer) shows the same link instead of minting another; every other
token is drawn fresh from `secrets`."""
import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app, has_request_context, make_response, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.deadlines.levels import SYSTEM
from app.enums import EventKind, LinkSource
from app.errors import NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.journal import commit, record_event
from app.models import TrackingLink
from app.display import local
from app.tickets import access, workflow
from app.tickets.codes import digest
from app.timesource import utcnow

# What a page holding or reached by a token tells the browser to send as Referer: only the origin
# ("https://host/"), never the path that carries the token. Not "no-referrer": over HTTPS Flask-WTF refuses a POST
# without a same-origin Referer, so the forms on the tracking page (add information, confirm and rate) and the
# header's language switch would all fail in production.
REFERRER_POLICY = "strict-origin"
TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_RECEIPT_LABEL = b"tracking-link\x00"  # keeps the receipt token apart from the access code of the same key


def new_token() -> str:
    """A fresh random token: 32 bytes from `secrets`, URL-safe base64 without padding."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def receipt_token(submission_key: str) -> str:
    """The receipt's token, derived from the form's submission key with the application's secret."""
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), _RECEIPT_LABEL + submission_key.encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def link_url(token: str) -> str:
    """The absolute address of a link: under PUBLIC_BASE_URL when it is set (messages leave outside a request,
    and the address a person opens is the public one), otherwise under this request's own host."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return f"{base}/t/{token}"
    if not has_request_context():
        raise RuntimeError("PUBLIC_BASE_URL must be set to make a tracking link outside a request")
    return url_for("public.personal", token=token, _external=True)


def private_page(result):
    """A response for a page that shows or is reached by a token: its Referer never carries the path, and no
    cache keeps a copy."""
    response = make_response(result)
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def find_active(token: str) -> TrackingLink | None:
    """The link a token opens, or None for a token that is malformed, unknown or revoked (told apart nowhere)."""
    well_formed = bool(TOKEN_RE.match(token or ""))
    # A malformed token still costs one hash and one indexed lookup, like any other.
    hashed = digest(token if well_formed else "")
    link = db.session.scalar(select(TrackingLink).where(TrackingLink.token_hash == hashed))
    if link is None or not well_formed or link.revoked_at is not None:
        return None
    return link


def opens(ticket_id: int, link_ids) -> bool:
    """Whether one of these links (kept in a browser's session) still opens this ticket."""
    ids = [i for i in link_ids or [] if isinstance(i, int)]
    if not ids:
        return False
    return db.session.scalar(select(TrackingLink.id).where(
        TrackingLink.id.in_(ids), TrackingLink.ticket_id == ticket_id, TrackingLink.revoked_at.is_(None))
        .limit(1)) is not None


def add_receipt_link(ticket, submission_key: str, now) -> TrackingLink:
    """Stage the receipt's link of a ticket just submitted (inside the submission's unit of work)."""
    link = TrackingLink(ticket=ticket, token_hash=digest(receipt_token(submission_key)), source=LinkSource.RECEIPT,
                        created_at=now)
    db.session.add(link)
    return link


def receipt_link_token(ticket, submission_key: str) -> str | None:
    """The receipt's token for a ticket and its form, unless staff have revoked it since (a resubmitted form
    then shows no link: the one it would show no longer opens anything)."""
    token = receipt_token(submission_key)
    active = db.session.scalar(select(TrackingLink.id).where(
        TrackingLink.ticket_id == ticket.id, TrackingLink.token_hash == digest(token),
        TrackingLink.revoked_at.is_(None)))
    return token if active else None


def active_links(ticket) -> list[TrackingLink]:
    """The ticket's links that still open it, oldest first."""
    return [link for link in ticket.links if link.revoked_at is None]


def message_token(note_id: int) -> str:
    """The token of the link a queued message carries, derived from the message's id with the application's
    secret: every try of one message carries the same link, so a try the gateway took but did not confirm leaves
    the enterprise a link that the successful retry makes live."""
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), b"message-link:" + str(int(note_id)).encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _stage_new_link(ticket, actor, source: LinkSource, now, token=None) -> tuple[TrackingLink, str]:
    token = token or new_token()
    link = TrackingLink(ticket=ticket, token_hash=digest(token), source=source, created_at=now,
                        created_by_id=actor.id if actor else None)
    db.session.add(link)
    db.session.flush()  # the id names the link in the event
    record_event(ticket, actor, EventKind.LINK_ISSUED, at=now, actor_name=None if actor else SYSTEM,
                 data={"link": f"#{link.id}", "issued_via": source.label})
    return link, token


def _check(ticket, actor, action):
    if not access.can(actor, action, ticket):
        raise NotAllowed(_("您没有权限执行此操作。"))
    workflow.require(action, ticket.state)


def issue_link(ticket, actor) -> str:
    """发放跟踪链接: a new personal link for the ticket, by its secretary or a supervisor; returns the token, which
    is shown this once and stored nowhere."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "link")
    _link, token = _stage_new_link(ticket, actor, LinkSource.STAFF, now)
    commit()
    return token


def revoke_link(ticket, actor, link_id) -> None:
    """撤销跟踪链接: the link stops opening the ticket, also in browsers that opened it before."""
    now = utcnow()  # one moment for the whole unit of work
    _check(ticket, actor, "unlink")
    link = db.session.get(TrackingLink, link_id) if isinstance(link_id, int) else None
    if link is None or link.ticket_id != ticket.id:
        raise ValidationFailed(_("没有找到这条跟踪链接，请刷新页面。"))
    if link.revoked_at is not None:
        raise TransitionRefused(_("这条跟踪链接已于 %(at)s 撤销。", at=local(link.revoked_at)))
    link.revoked_at, link.revoked_by_id = now, actor.id
    record_event(ticket, actor, EventKind.LINK_REVOKED, at=now,
                 data={"link": f"#{link.id}", "issued_via": link.source.label})
    commit()


def personal_link(ticket, *, source: LinkSource = LinkSource.MESSAGE, now=None, token=None) -> str:
    """Issue a new personal link to `ticket` for a message to the enterprise and return its absolute URL.

    For the messaging code (the acceptance SMS, the request to confirm and rate …). The link is staged in the
    caller's unit of work with its LINK_ISSUED event (actor 系统) and flushed, not committed: the caller commits,
    so a message that is not sent leaves no link behind. The URL holds the only copy of the token: put it in the
    text handed to the gateway and do not store it (mint the link when the message is actually sent, not when it
    is queued, or keep a placeholder in the queued text). Outside a request PUBLIC_BASE_URL must be set. `now`:
    the caller's moment of its unit of work, if it has one."""
    _link, token = _stage_new_link(ticket, None, LinkSource(source), now or utcnow(), token)
    return link_url(token)
