"""我的诉求: an enterprise signs in with its contact's mobile number and an SMS code, and sees its cases (the rule
of who sees what is in app/public/mine.py, the codes and sessions in app/public/signin.py)."""
import math
import threading
import time

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import force_locale, gettext as _

from app.errors import ServiceError
from app.extensions import db, limiter
from app.public import mine, signin
from app.public.forms import CodeForm, SigninForm
from app.supervision import notify
from app.tickets.links import private_page
from app.timesource import utcnow

bp = Blueprint("my", __name__)

SMS_KIND = "sign_in_code"


def _wait_text(limit) -> str:
    """How long until an address may try again. The limiter counts on the wall clock of its own storage (not the
    application's clock), so the wait is read on that same clock."""
    seconds = max(1, math.ceil(limit.window[0] - time.time()))  # window[0]: when the window resets (epoch)
    return _("%(n)d 秒", n=seconds) if seconds < 60 else _("%(n)d 分钟", n=math.ceil(seconds / 60))


def _code_limit_reached(limit):
    form = SigninForm()
    error = _("本网络获取验证码过于频繁，请 %(wait)s后再试。", wait=_wait_text(limit))
    return make_response(render_template("my/signin.html", form=form, error=error), 429)


def _tries_limit_reached(limit):
    form = CodeForm()
    form.code.data = ""
    error = _("本网络输入验证码次数过多，请 %(wait)s后再试。", wait=_wait_text(limit))
    return make_response(render_template("my/code.html", form=form, error=error), 429)


def holder():
    """The mobile number this browser is signed in as (a template global too), or None."""
    return signin.current_holder(utcnow())


SEND_FALLBACK_SECONDS = 2.0


def _send_after_response(response, mobile: str, code: str) -> None:
    """Send the code once the answer has gone: the gateway's time then shows in no answer, so a known number and an
    unknown one (whose code is never sent) answer alike. The outbox keeps the message without the code."""
    app = current_app._get_current_object()
    with force_locale("zh"):  # a message to a Chinese mobile, whatever language the page is in
        text = _("您的登录验证码：%(code)s，5 分钟内有效。如非本人操作，请忽略。", code=code)
        keep = _("您的登录验证码：%(code)s，5 分钟内有效。如非本人操作，请忽略。", code="******")
        title = _("登录验证码")

    once = threading.Lock()  # taken by whichever path comes first, never released

    def send():
        if not once.acquire(blocking=False):
            return  # already sent by the other path
        with app.app_context():
            try:
                notify.send_sms_now(mobile, text, kind=SMS_KIND, now=utcnow(), title=title, keep=keep)
            except Exception:  # noqa: BLE001 (the answer has gone; the person asks again)
                app.logger.exception("the sign-in code could not be sent")
            finally:
                db.session.remove()

    response.call_on_close(send)
    # The development server did not always call `call_on_close` (the browser test's SMS sometimes never left):
    # a timer sends it a moment later if the close has not.
    threading.Timer(SEND_FALLBACK_SECONDS, send).start()


@bp.route("/my/signin", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_CODE_RATE_LIMIT"], methods=["POST"],
               on_breach=_code_limit_reached)
def signin_page():
    """短信验证码登录: the contact's mobile number gets a code; the answer reads the same for any number."""
    now = utcnow()
    form = SigninForm()
    if request.method == "GET":
        if signin.current_holder(now) is not None:
            return redirect(url_for("my.cases"))
        form.mobile.data = session.get(signin.PENDING_KEY) or ""
        return render_template("my/signin.html", form=form)
    if not form.validate_on_submit():
        return render_template("my/signin.html", form=form), 400
    mobile = form.mobile.data
    known = mine.is_known(mobile)  # looked up for every number: the same work either way
    try:
        code = signin.issue_code(mobile, now)
    except ServiceError as exc:
        return render_template("my/signin.html", form=form, error=exc.message), exc.status
    session[signin.PENDING_KEY] = mobile
    response = redirect(url_for("my.verify"), 303)
    if known:
        _send_after_response(response, mobile, code)
    return response


@bp.route("/my/signin/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_VERIFY_RATE_LIMIT"], methods=["POST"],
               on_breach=_tries_limit_reached)
def verify():
    """The code from the SMS signs this browser in; a wrong one keeps the number typed and says what to do."""
    now = utcnow()
    form = CodeForm()
    if request.method == "GET":
        pending = session.get(signin.PENDING_KEY)
        if not pending:
            return redirect(url_for("my.signin_page"))
        form.mobile.data = pending
        return render_template("my/code.html", form=form)
    if not form.validate_on_submit():
        form.code.data = ""
        return render_template("my/code.html", form=form), 400
    try:
        signin.check_code(form.mobile.data, form.code.data, now)
    except ServiceError as exc:
        form.code.data = ""
        return render_template("my/code.html", form=form, error=exc.message), exc.status
    signin.start_session(form.mobile.data, now)
    return redirect(url_for("my.cases"), 303)


@bp.get("/my")
def cases():
    """我的诉求: every case the signed-in number may see, what it may read of them and what it is asked to do."""
    now = utcnow()
    signed_in = signin.current_holder(now)
    if signed_in is None:
        return redirect(url_for("my.signin_page"))
    groups, more = mine.my_cases(signed_in.mobile, now)
    # The page holds personal evaluation links: no cache keeps it and no Referer carries its address.
    return private_page(render_template("my/cases.html", groups=groups, more=more, limit=mine.MAX_CASES,
                                        mobile=signed_in.mobile))


@bp.post("/my/signout")
def signout():
    """退出: this browser's enterprise session ends, on the server too."""
    signin.end_session(utcnow())
    flash(_("已退出登录。"), "success")
    return redirect(url_for("my.signin_page"), 303)


bp.add_app_template_global(holder, "enterprise_holder")
