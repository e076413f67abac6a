"""Login, logout and the language switch."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.forms import LoginForm
from app.auth.login import authenticate, end_session, start_session
from app.extensions import limiter

bp = Blueprint("auth", __name__)


def _login_key():
    return f"{request.remote_addr}|{(request.form.get('username') or '').strip().lower()}"


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths are followed after login; anything else goes to `fallback`."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_key, methods=["POST"],
               deduct_when=lambda response: response.status_code == 401)
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=lambda response: response.status_code == 401)
def login():
    """Staff login; failures are counted per address and username and slow down guessing."""
    if current_user.is_authenticated:
        return redirect(url_for("workspace.workspace"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()
            start_session(user)
            login_user(user)
            session.permanent = True
            return redirect(safe_next(request.args.get("next"), url_for("workspace.workspace")))
        form.password.errors.append(_("用户名或密码错误。"))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """End the session, on the server too: a copy of the cookie taken earlier no longer signs anyone in."""
    end_session()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    """Switch the interface between Chinese and English."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("public.home")))
