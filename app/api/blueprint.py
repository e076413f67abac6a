"""How every API resource blueprint is set up, once: JSON errors, the bearer token before each request (never the
session cookie), no CSRF (there is no cookie to forge), one rate limit per token shared by all of them."""
import base64
import binascii

from flask_babel import gettext as _
from flask_smorest import Blueprint

from app.api import auth, errors
from app.api.errors import ApiError
from app.extensions import csrf, limiter

API_PREFIX = auth.API_PREFIX
_SHARED_LIMIT = limiter.shared_limit(auth.rate_limit_value, scope="api", key_func=auth.rate_limit_key)


def api_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A resource blueprint under /api/v1."""
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX, description=description)
    errors.install(bp)
    bp.before_request(auth.authenticate)
    csrf.exempt(bp)
    _SHARED_LIMIT(bp)
    return bp


def encode_cursor(last_id: int) -> str:
    """An opaque cursor naming the last row of a page."""
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The last row's id from a cursor, or None for the first page; a cursor that is not one of ours is a 422."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _sep, number = text.partition(":")
        value = int(number)
        if version != "v1" or not 0 < value < 2**31:
            raise ValueError(text)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise ApiError(422, "validation_failed", _("提交的数据未通过校验。"),
                       {"cursor": [_("无效的翻页游标，请使用上一页返回的 next_cursor。")]}) from exc
    return value
