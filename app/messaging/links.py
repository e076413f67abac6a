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


def enterprise_link(ticket) -> str:
    """The link every message about a case carries: where the enterprise follows it (the one place to change
    when the enterprise gets a personal link)."""
    return external_url("public.tracked", number=ticket.number)
