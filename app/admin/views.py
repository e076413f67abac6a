"""Admin pages: staff accounts, departments, categories, message wording and the audit trail."""
import io
import re
from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import audit
from app.admin import services
from app.admin.audit_export import audit_workbook
from app.admin.forms import CategoryForm, MessageTemplateForm, NamedForm, UserForm
from app.auth.decorators import roles_required
from app.enums import Role
from app.errors import ServiceError
from app.extensions import db
from app.forms import first_error, page_arg
from app.messaging import sms, texts
from app.models import Category, Department, User
from app.timesource import utcnow
from app.text import is_digits
from sla.calendar import SHANGHAI

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _departments():
    return db.session.scalars(select(Department).order_by(Department.id)).all()


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    """Admin home."""
    return redirect(url_for("admin.users"))


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """Every staff account with its role and department."""
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    """Create a staff account."""
    form = UserForm(departments=_departments(), creating=True)
    if form.validate_on_submit():
        try:
            services.create_user(form.username.data, form.display_name.data, form.role.data, form.password.data,
                                 department_id=int(form.department_id.data) if form.department_id.data else None,
                                 email=form.email.data, mobile=form.mobile.data, active=form.active.data,
                                 office_phone=form.office_phone.data, actor=current_user)
        except ServiceError as exc:
            form.username.errors = [exc.message]
        else:
            flash(_("账号已创建。"), "success")
            return redirect(url_for("admin.users"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id):
    """Change an account's name, role, department, status or password."""
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(departments=_departments(), obj=None if request.method == "POST" else user)
    if request.method == "GET":
        form.department_id.data = str(user.department_id or "")
        form.active.data = user.is_active_account
    form.username.data = user.username
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user, display_name=form.display_name.data, role=form.role.data,
                                 department_id=int(form.department_id.data) if form.department_id.data else None,
                                 email=form.email.data, mobile=form.mobile.data, active=form.active.data,
                                 password=form.password.data or None, office_phone=form.office_phone.data or "")
        except ServiceError as exc:
            db.session.rollback()
            form.role.errors = [exc.message]
        else:
            flash(_("账号已更新。"), "success")
            return redirect(url_for("admin.users"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=user), status


def _named_page(kind, model, form_class, obj_id=None):
    obj = None
    if obj_id is not None:
        obj = db.session.get(model, obj_id) or abort(404)
    form = form_class(obj=None if request.method == "POST" else obj)
    if request.method == "GET" and obj is not None:
        form.active.data = obj.is_active
    if form.validate_on_submit():
        extra = {"description": form.description.data} if hasattr(form, "description") else {}
        try:
            services.save_named(model, obj, form.name.data, form.active.data, actor=current_user, **extra)
        except ServiceError as exc:
            db.session.rollback()
            form.name.errors = [exc.message]
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for(f"admin.{kind}"), 303)
    rows = db.session.scalars(select(model).order_by(model.id)).all()
    status = 400 if request.method == "POST" else 200
    return render_template("admin/named.html", kind=kind, rows=rows, form=form, obj=obj), status


@bp.route("/departments", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def departments():
    """Departments: list and add."""
    return _named_page("departments", Department, NamedForm)


@bp.route("/departments/<int:obj_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_department(obj_id):
    """Rename or deactivate a department."""
    return _named_page("departments", Department, NamedForm, obj_id)


@bp.route("/categories", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def categories():
    """Problem categories: list and add."""
    return _named_page("categories", Category, CategoryForm)


@bp.route("/categories/<int:obj_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_category(obj_id):
    """Rename, describe or deactivate a category."""
    return _named_page("categories", Category, CategoryForm, obj_id)


@bp.get("/messages")
@roles_required(Role.ADMIN)
def message_templates():
    """Every kind of message to enterprises: when it is sent and its current wording."""
    rows = [(kind, *texts.current(kind)) for kind in texts.KINDS.values()]
    return render_template("admin/messages.html", rows=rows, signature=current_app.config.get("SMS_SIGNATURE", ""))


def _preview(kind, subject, text) -> dict:
    """The message as an enterprise would get it, with sample values."""
    body = texts.render(text, texts.SAMPLE)
    signed = sms.signed(body, current_app.config)
    return {"subject": texts.render(subject, texts.SAMPLE), "sms": signed, "chars": len(signed),
            "email": texts.email_body(body, current_app.config),
            "segments": sms.segments(signed)}


@bp.route("/messages/<kind_key>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_message_template(kind_key):
    """Change one kind of message: preview it with sample values, save it, or go back to the default."""
    kind = texts.kind_of(kind_key) or abort(404)
    subject, text, overridden = texts.current(kind)
    form = MessageTemplateForm(data=None if request.method == "POST" else {"subject": subject, "text": text})
    action = request.form.get("do", "preview")
    error, preview, status = None, None, 200
    if request.method == "POST" and action == "reset":
        texts.reset_template(current_user, kind)
        flash(_("“%(kind)s”已恢复默认内容。", kind=kind.label), "success")
        return redirect(url_for("admin.edit_message_template", kind_key=kind.key), 303)
    if request.method == "POST":
        if not form.validate_on_submit():
            error, status = str(first_error(form)), 400
        else:
            try:
                checked = texts.checked(kind, form.subject.data, form.text.data)
                if action == "save":
                    texts.save_template(current_user, kind, *checked, now=utcnow())
                    flash(_("“%(kind)s”的消息内容已保存，此后发送的消息按新内容。", kind=kind.label), "success")
                    return redirect(url_for("admin.message_templates"), 303)
                preview = _preview(kind, *checked)
            except ServiceError as exc:
                db.session.rollback()
                error, status = exc.message, exc.status
    else:
        preview = _preview(kind, subject, text)
    return render_template("admin/message_form.html", form=form, kind=kind, overridden=overridden, error=error,
                           preview=preview, labels=texts.PLACEHOLDER_LABELS), status


# ---- the audit trail --------------------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_LIMIT = 100_000


def _day(value: str | None) -> tuple[date | None, bool]:
    """A YYYY-MM-DD filter value: (the date or None, whether it was readable)."""
    if not value:
        return None, True
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None, False
    # Years 1 and 9999 overflow when made a Beijing moment; nothing is recorded outside these years anyway.
    return (day, True) if 2000 <= day.year <= 2100 else (None, False)


def _audit_filters() -> tuple[dict, dict, list]:
    """The filters of the page's query string: as typed (to show them again), as query arguments, and errors."""
    args = request.args
    typed = {key: (args.get(key) or "").strip()[:40] for key in ("entity", "actor", "since", "until")}
    errors, query = [], {}
    if re.fullmatch(r"[a-z_]{1,40}", typed["entity"]):
        query["entity_type"] = typed["entity"]
    if is_digits(typed["actor"]):
        query["actor_id"] = int(typed["actor"])
    since, ok_since = _day(typed["since"])
    until, ok_until = _day(typed["until"])
    if not (ok_since and ok_until):
        errors.append(_("日期格式应为 YYYY-MM-DD，例如 2026-11-16；未按该日期筛选。"))
    if since:
        query["since"] = datetime.combine(since, time(0), tzinfo=SHANGHAI)
    if until:  # the whole day given, Beijing time
        query["until"] = datetime.combine(until + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return typed, query, errors


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_trail():
    """操作审计: every change to accounts and configuration, newest first, filtered; the chain's state on top when
    asked for (re-hashing the whole chain takes about 3 s per 100,000 records: not on every page view)."""
    typed, query, errors = _audit_filters()
    page = page_arg()
    rows = db.session.scalars(audit.filtered(**query).limit(AUDIT_PAGE_SIZE + 1)
                              .offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    has_next, rows = len(rows) > AUDIT_PAGE_SIZE, rows[:AUDIT_PAGE_SIZE]
    status = audit.verify_chain() if request.args.get("verify") else None
    return render_template("admin/audit.html", rows=rows, status=status, typed=typed, errors=errors,
                           page=page, has_next=has_next, actors=audit.actors(), entities=audit.entity_types(),
                           actions=audit.ACTION_LABELS, vias=audit.VIA_LABELS, reasons=audit.REASON_LABELS,
                           diff_rows=audit.diff_rows, filters={k: v for k, v in typed.items() if v})


@bp.get("/audit.xlsx")
@roles_required(Role.ADMIN)
def audit_export():
    """The filtered audit records as an Excel workbook (at most 100,000, newest first)."""
    _typed, query, _errors = _audit_filters()
    rows = db.session.scalars(audit.filtered(**query).limit(AUDIT_EXPORT_LIMIT)).all()
    data = audit_workbook(rows, audit.verify_chain())
    name = f"操作审计-{utcnow().astimezone(SHANGHAI):%Y%m%d-%H%M}.xlsx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
