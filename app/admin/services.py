"""Admin changes to accounts and reference data."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import record_change, snapshot
from app.timesource import utcnow
from app.enums import Role
from app.errors import ValidationFailed
from app.extensions import db
from app.models import User


def create_user(username, display_name, role, password, *, department_id=None, email="", mobile="", active=True,
                office_phone="", actor=None, via=None):
    """Create a staff account; usernames are unique regardless of case (recorded in the audit trail as done by
    `actor`, or by the command line)."""
    if Role.get(role) is None:
        raise ValidationFailed(_("角色无效。"))
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValidationFailed(_("用户名“%(name)s”已被使用。", name=username))
    if role == Role.OFFICER.value and not department_id:
        raise ValidationFailed(_("部门经办人必须选择所属部门。"))
    user = User(username=username, display_name=display_name, role=role, department_id=department_id or None,
                email=email or "", mobile=mobile or "", office_phone=office_phone or "",
                is_active_account=active, created_at=utcnow(),
                session_version=0)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_change(actor if actor is not None else "命令行", "create", "user", user.id, {}, snapshot(user),
                  user.created_at, via=via or ("web" if actor is not None else "cli"))
    db.session.commit()
    return user


def update_user(actor, user, *, display_name, role, department_id, email, mobile, active, password=None,
                office_phone=None):
    """Change an account; disabling it or setting a new password ends its sessions (office_phone None: unchanged)."""
    if user.id == actor.id and (not active or role != user.role):
        raise ValidationFailed(_("不能停用自己的账号或修改自己的角色。"))
    if role == Role.OFFICER.value and not department_id:
        raise ValidationFailed(_("部门经办人必须选择所属部门。"))
    before = snapshot(user)
    if user.is_active_account and not active:
        user.session_version += 1
    user.display_name, user.role, user.department_id = display_name, role, department_id or None
    user.email, user.mobile, user.is_active_account = email or "", mobile or "", active
    if office_phone is not None:
        user.office_phone = office_phone
    if password:
        user.set_password(password)
    record_change(actor, "update", "user", user.id, before, snapshot(user), utcnow())
    db.session.commit()


def save_named(model, obj, name, active, *, actor=None, **extra):
    """Create or rename a department or category; names stay unique; the change goes into the audit trail."""
    clash = db.session.scalar(select(model.id).where(model.name == name))
    if clash and (obj is None or clash != obj.id):
        raise ValidationFailed(_("名称“%(name)s”已存在。", name=name))
    action, before = ("update", snapshot(obj)) if obj is not None else ("create", {})
    obj = obj or model()
    obj.name, obj.is_active = name, active
    for key, value in extra.items():
        setattr(obj, key, value)
    db.session.add(obj)
    db.session.flush()
    record_change(actor, action, model.__tablename__, obj.id, before, snapshot(obj), utcnow())
    db.session.commit()
    return obj

