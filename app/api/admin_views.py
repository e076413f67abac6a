"""系统管理 → API 令牌: admins create a token per integration (shown once), see when each was last used, revoke."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.api import tokens
from app.api.forms import ApiTokenForm, ButtonForm
from app.auth.decorators import roles_required
from app.enums import Role
from app.errors import ServiceError
from app.extensions import db
from app.models import ApiToken, User
from app.reference import active_departments

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")


def _staff():
    return db.session.scalars(select(User).where(User.role != Role.ADMIN.value, User.is_active_account.is_(True))
                              .order_by(User.role, User.username)).all()


@bp.get("")
@roles_required(Role.ADMIN)
def token_list():
    """Every API token: whom it acts as, its scopes, when it was last used, and a revoke button for live ones."""
    return render_template("admin/api_tokens.html", tokens=tokens.all_tokens(), scopes=tokens.SCOPES,
                           form=ButtonForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_token():
    """Create a token; the page after it shows the token this one time."""
    form = ApiTokenForm(departments=active_departments(), users=_staff())
    if form.validate_on_submit():
        try:
            token, raw = tokens.issue(current_user, name=form.name.data, scopes=form.scopes(),
                                      department_id=form.department_id.data or None, user_id=form.user_id.data or None)
        except ServiceError as exc:
            db.session.rollback()
            form.name.errors = [exc.message]
        else:
            response = render_template("admin/api_token_issued.html", token=token, raw=raw, scopes=tokens.SCOPES)
            return response, 201, {"Cache-Control": "no-store"}
    status = 400 if request.method == "POST" else 200
    return render_template("admin/api_token_form.html", form=form), status


@bp.post("/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_token(token_id):
    """Revoke a token: the integration holding it gets 401 from now on."""
    token = db.session.get(ApiToken, token_id) or abort(404)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        tokens.revoke(current_user, token)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("令牌“%(n)s”已撤销，使用它的系统将无法再访问接口。", n=token.name), "success")
    return redirect(url_for("api_tokens.token_list"), 303)
