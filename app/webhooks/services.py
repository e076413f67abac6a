"""Admins' verbs on webhook endpoints: register, change, renew the secret, send a test, replay a delivery."""
import json
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from app.audit import record_change, snapshot
from app.errors import ValidationFailed
from app.extensions import db
from app.models import WebhookEndpoint
from app.webhooks import delivery, signing
from app.webhooks.events import TYPE_NAMES
from app.webhooks.transport import literal_address_problem

MAX_URL = 500


def checked_url(url: str) -> str:
    """The endpoint URL if it is acceptable: http or https, a host, no credentials in it, and (unless
    WEBHOOK_ALLOW_PRIVATE) not an internal address written outright."""
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise ValidationFailed(_("地址不能超过 %(n)s 个字符。", n=MAX_URL))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        raise ValidationFailed(_("请填写以 http:// 或 https:// 开头的完整地址。")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValidationFailed(_("请填写以 http:// 或 https:// 开头的完整地址。"))
    if parts.username or parts.password:
        raise ValidationFailed(_("地址中不能包含用户名或密码。"))
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"] and literal_address_problem(url):
        raise ValidationFailed(_("不能向内网或本机地址推送。"))
    return url


def _types(types) -> str:
    chosen = [t for t in TYPE_NAMES if t in set(types or ())]
    if not chosen:
        raise ValidationFailed(_("请至少选择一种事件。"))
    return json.dumps(chosen)


# What the audit trail keeps of an endpoint: never its secret (only that it was renewed).
AUDITED = ("name", "url", "event_types", "hotline_only", "is_active", "secret_rotated_at")


def create_endpoint(actor, *, name: str, url: str, types, active: bool, now,
                    hotline_only: bool = False) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint with a fresh secret; the endpoint and the secret (to show once)."""
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(name=name.strip(), url=checked_url(url), event_types=_types(types), is_active=active,
                               hotline_only=bool(hotline_only), secret=secret, created_at=now, updated_at=now,
                               created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    record_change(actor, "create", "webhook_endpoint", endpoint.id, {}, snapshot(endpoint, AUDITED), now)
    db.session.commit()
    return endpoint, secret


def update_endpoint(endpoint: WebhookEndpoint, *, name: str, url: str, types, active: bool, now, actor=None,
                    hotline_only: bool | None = None) -> None:
    """Change an endpoint's name, URL, event types, 12345 flag or active flag (its secret stays)."""
    before = snapshot(endpoint, AUDITED)
    endpoint.url = checked_url(url)
    endpoint.event_types = _types(types)
    endpoint.name, endpoint.is_active, endpoint.updated_at = name.strip(), active, now
    if hotline_only is not None:
        endpoint.hotline_only = bool(hotline_only)
    record_change(actor, "update", "webhook_endpoint", endpoint.id, before, snapshot(endpoint, AUDITED), now)
    db.session.commit()


def rotate_secret(endpoint: WebhookEndpoint, now, actor=None) -> str:
    """Give the endpoint a new secret (to show once); pending deliveries are signed with it from now on."""
    before = snapshot(endpoint, AUDITED)
    endpoint.secret = signing.new_secret()
    endpoint.secret_rotated_at = endpoint.updated_at = now
    record_change(actor, "update", "webhook_endpoint", endpoint.id, before, snapshot(endpoint, AUDITED), now)
    db.session.commit()
    return endpoint.secret


send_test = delivery.send_test
replay = delivery.replay
