"""Friendly error pages in the person's language; never a stack trace."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from app.api.auth import is_api_request
from app.api.errors import error_response as api_error
from app.errors import ServiceError
from app.extensions import db


def _page(status, title, message):
    if is_api_request():
        return api_error(status)  # an /api/v1 address no API route answered (unknown path, wrong method)
    template = "errors/_message.html" if request.htmx else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def register(app):
    """Install the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _page(400, _("页面已过期"), _("页面已过期或表单无效，请刷新页面后重新提交。"))

    @app.errorhandler(ServiceError)
    def service_error(exc):
        db.session.rollback()
        return _page(exc.status, _("操作未完成"), exc.message)

    @app.errorhandler(StaleDataError)
    def stale(exc):
        # A race the service could not turn into a conflict itself: still a conflict, never a 500.
        db.session.rollback()
        return _page(409, _("操作未完成"), _("此诉求刚被其他人修改，您的操作未保存。请刷新后重试。"))

    @app.errorhandler(400)
    def bad_request(exc):
        return _page(400, _("请求有误"), _("提交的内容无法处理，请检查后重试。"))

    @app.errorhandler(403)
    def forbidden(exc):
        return _page(403, _("没有权限"), _("您的账号没有访问此页面的权限。"))

    @app.errorhandler(404)
    def not_found(exc):
        return _page(404, _("页面不存在"), _("您要找的页面不存在，或您没有查看权限。"))

    @app.errorhandler(405)
    def method_not_allowed(exc):
        return _page(405, _("操作方式不正确"), _("此页面不支持该操作方式。"))

    @app.errorhandler(413)
    def too_large(exc):
        return _page(413, _("文件过大"), _("上传的内容过大，请压缩附件或分次上传。"))

    @app.errorhandler(429)
    def too_many(exc):
        if getattr(exc, "response", None) is not None:
            return exc.response  # a page of its own that says when to try again (the SMS sign-in's forms)
        return _page(429, _("操作过于频繁"), _("操作过于频繁，请稍后再试。"))

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _page(500, _("系统繁忙"), _("系统暂时出了问题，您提交的内容没有丢失，请稍后重试。"))
