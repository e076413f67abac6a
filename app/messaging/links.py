"""The addresses put in messages to enterprises."""
from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for a page: on PUBLIC_BASE_URL when set (the address enterprises reach), otherwise on the
    address of the current request."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + current_app.url_map.bind("localhost").build(endpoint, values)
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        raise RuntimeError("set PUBLIC_BASE_URL: links in messages sent outside a request need it")
    return url_for(endpoint, _external=True, **values)


# Stands for the case's personal tracking link in a queued message. The link itself (a token that opens the case)
# is made only when the message leaves (`notify.deliver_pending`), so the outbox never stores a way into a case.
LINK_PLACEHOLDER = "［个人跟踪链接］"


def enterprise_link(ticket) -> str:
    """The link every message about a case carries, as queued: a placeholder that becomes a personal tracking
    link of its own (/t/<token>, revocable on the ticket page) at the moment the message is sent."""
    return LINK_PLACEHOLDER
