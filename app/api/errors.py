"""The API's errors, all alike: {"error": {"code", "message", "fields"?}, "request_id"}, with a stable code and a
message in the caller's language (Chinese by default), whatever raised them."""
from flask import g, jsonify
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.errors import EditConflict, NotAllowed, ServiceError, TooOften, TransitionRefused, ValidationFailed
from app.extensions import db


class ApiError(Exception):
    """An API refusal with its status, stable code, message and (for 422) the fields at fault."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def _defaults() -> dict:
    return {
        400: ("bad_request", _("请求无法处理，请检查请求格式。")),
        401: ("unauthorized", _("缺少有效的 API 令牌。请在 Authorization 头中使用 Bearer 令牌。")),
        403: ("forbidden", _("该令牌没有执行此操作的权限。")),
        404: ("not_found", _("资源不存在，或该令牌无权查看。")),
        405: ("method_not_allowed", _("该地址不支持此请求方法。")),
        409: ("conflict", _("当前状态不允许此操作。")),
        413: ("payload_too_large", _("请求内容过大。")),
        415: ("unsupported_media_type", _("请求内容须为 JSON（Content-Type: application/json）。")),
        422: ("validation_failed", _("提交的数据未通过校验。")),
        429: ("rate_limited", _("请求过于频繁，请稍后再试。")),
        500: ("server_error", _("系统暂时出了问题，请稍后重试。")),
    }


def error_response(status: int, code: str | None = None, message: str | None = None, fields: dict | None = None):
    """The JSON error answer with this status."""
    default_code, default_message = _defaults().get(status, ("error", _("请求未完成。")))
    error = {"code": code or default_code, "message": message or default_message}
    if fields:
        error["fields"] = fields
    response = jsonify({"error": error, "request_id": g.get("request_id")})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jianjian-api"'
    return response


def _service_code(exc: ServiceError) -> str:
    if isinstance(exc, TransitionRefused):
        return "invalid_transition"
    if isinstance(exc, EditConflict):
        return "edit_conflict"
    if isinstance(exc, NotAllowed):
        return "forbidden"
    if isinstance(exc, TooOften):
        return "rate_limited"
    return "validation_failed"


def service_error(exc: ServiceError):
    """A verb's refusal: its own message; a plain input error is a 422, the rest keep their status."""
    db.session.rollback()
    status = 422 if type(exc) is ValidationFailed or exc.status == 400 else exc.status
    return error_response(status, _service_code(exc), exc.message)


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status == 422:
        # webargs (through flask-smorest) puts the fields at fault in exc.data["messages"]: {location: {field: [..]}}
        messages = (getattr(exc, "data", None) or {}).get("messages") or {}
        fields = {}
        for location in messages.values():
            if isinstance(location, dict):
                fields.update({k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in location.items()})
        return error_response(422, fields=fields or None)
    if status >= 500:
        db.session.rollback()
    return error_response(status if status in _defaults() else 500 if status >= 500 else 400)


def install(bp) -> None:
    """Make every error raised inside the blueprint a JSON error (registered per status code: the app's HTML pages
    are registered per code too, and a code beats a class)."""
    bp.register_error_handler(ApiError, lambda exc: error_response(exc.status, exc.code, exc.message, exc.fields))
    bp.register_error_handler(ServiceError, service_error)
    bp.register_error_handler(CSRFError, lambda exc: error_response(400))

    def stale(exc):
        db.session.rollback()
        return error_response(409, "edit_conflict", _("此诉求刚被其他人修改，您的操作未保存。请刷新后重试。"))

    bp.register_error_handler(StaleDataError, stale)
    for status in (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500):
        bp.register_error_handler(status, _http_error)
    bp.register_error_handler(HTTPException, _http_error)
