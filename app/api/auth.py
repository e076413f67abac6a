"""Who is calling the API: the bearer token (never the staff session cookie), its scopes, its rate limit, and
the request id that marks its answer and its log lines."""
import logging
import re
import uuid
from functools import wraps

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.api import tokens
from app.api.errors import ApiError
from app.timesource import utcnow

API_PREFIX = "/api/v1"
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
log = logging.getLogger("jianjian.api")


def is_api_request() -> bool:
    """Whether this request is addressed to the API."""
    return has_request_context() and (request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"))


def current_token():
    """The live token of this request's Authorization header, or None (looked up once per request)."""
    if "api_token" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _sep, value = header.partition(" ")
        g.api_token = tokens.find_active(value.strip()) if scheme.lower() == "bearer" else None
    return g.api_token


def rate_limit_key() -> str:
    """Flask-Limiter's key: the token's id, or the caller's address for requests without a valid token."""
    token = current_token()
    return f"api-token:{token.id}" if token is not None else f"api-anon:{get_remote_address()}"


def rate_limit_value() -> str:
    """The per-token limit (setting API_RATE_LIMIT)."""
    return current_app.config["API_RATE_LIMIT"]


def authenticate():
    """Before every API resource request: a live token acting as someone who can still act, or 401."""
    token = current_token()
    if token is None:
        raise ApiError(401, "unauthorized", _("缺少有效的 API 令牌。请在 Authorization 头中使用 Bearer 令牌。"))
    who = tokens.principal(token)
    if who is None:
        raise ApiError(401, "token_principal_inactive", _("该令牌代表的账号或部门已停用。"))
    tokens.touch(token, utcnow())
    g.api_principal = who


def principal():
    """Whom this request's token acts as (a staff user, or a department's officers)."""
    return g.api_principal


def scope_required(scope: str):
    """Refuse with 403 unless the request's token holds `scope`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope not in current_token().scope_set:
                raise ApiError(403, "insufficient_scope", _("该令牌没有“%(s)s”权限。", s=tokens.SCOPES[scope]))
            return view(*args, **kwargs)

        wrapped._api_scope = scope
        return wrapped

    return decorator


def roles_required(*roles, message):
    """Refuse with 403 (before the body is read) unless the token acts as a person holding one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not principal().has_role(*roles):
                raise ApiError(403, "forbidden", str(message))
            return view(*args, **kwargs)

        return wrapped

    return decorator


class RequestIdFilter(logging.Filter):
    """Marks each log line written while serving an API request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = g.get("request_id") if has_request_context() else None
        record.request_id = request_id or "-"
        if request_id and not getattr(record, "_request_id_marked", False):
            record.msg = f"[request_id={request_id}] {record.msg}"
            record._request_id_marked = True
        return True


def install(app) -> None:
    """The request id on every API request and answer, and its mark on the log lines of that request."""
    log.setLevel(logging.INFO)
    log.disabled = False  # Alembic's logging.config.fileConfig disables loggers that existed before it ran
    for logger in (log, app.logger):
        if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
            logger.addFilter(RequestIdFilter())

    @app.before_request
    def _request_id():
        if not is_api_request():
            return
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def _mark_answer(response):
        if is_api_request() and g.get("request_id"):
            response.headers["X-Request-ID"] = g.request_id
            response.headers["Cache-Control"] = "no-store"
            token = g.get("api_token")
            log.info("%s %s -> %s token=%s", request.method, request.path, response.status_code,
                     token.id if token is not None else "-")
        return response

