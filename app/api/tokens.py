"""API tokens: issue (shown once, only its SHA-256 stored), find by bearer value, record use, revoke.

A token acts either as one department's officers (it sees exactly what they see, through app/tickets/access.py)
or as one staff user (it sees and does what that person may). Its scopes narrow what it may call."""
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select, update

from app.audit import record_change, snapshot
from app.enums import Role
from app.errors import TransitionRefused, ValidationFailed
from app.extensions import db
from app.models import ApiToken, Department, User
from app.text import clean_text
from app.tickets.codes import digest
from app.validators import positive_id
from app.timesource import utcnow

TOKEN_PREFIX = "jj_"
TOKEN_RE = re.compile(r"^jj_[A-Za-z0-9_-]{43}$")
# A token's last use is written at most this often: a busy integration must not turn every read into a write.
TOUCH_EVERY = timedelta(minutes=1)

READ, WRITE_TICKETS, EXCHANGE_12345 = "read", "tickets_write", "exchange_12345"
SCOPES = {
    READ: _l("读取（诉求、时限、企业、部门、类别、已发布考评）"),
    WRITE_TICKETS: _l("办理诉求（登记、答复、备注、转办、办结等）"),
    EXCHANGE_12345: _l("12345 工单交换"),
}


@dataclass(frozen=True)
class DepartmentPrincipal:
    """Whom a department token acts as: an officer of that department, with no account of its own. Events it
    writes carry the token's name."""

    department_id: int
    display_name: str
    id: None = None
    role: str = Role.OFFICER.value
    is_authenticated: bool = True
    is_secretary: bool = False
    is_officer: bool = True
    is_supervisor: bool = False
    is_admin: bool = False

    def has_role(self, *roles) -> bool:
        """Whether this principal holds one of `roles` (only the officer's)."""
        return self.role in {r.value for r in roles}


def principal(token: ApiToken):
    """Whom the token acts as, or None when that is no longer possible (its user disabled, its department gone)."""
    if token.user_id is not None:
        user = token.user
        return user if user is not None and user.is_active else None
    if token.department is not None and token.department.is_active:
        return DepartmentPrincipal(token.department_id, _("%(d)s（接口：%(n)s）", d=token.department.name, n=token.name))
    return None


def find_active(raw: str) -> ApiToken | None:
    """The live token a bearer value names, or None (malformed, unknown and revoked alike)."""
    well_formed = bool(TOKEN_RE.match(raw or ""))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw if well_formed else "")))
    if token is None or not well_formed or token.revoked_at is not None:
        return None
    return token


def touch(token: ApiToken, now) -> None:
    """Record that the token was used now (at most once a minute), in its own small write."""
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()
    token.last_used_at = now


# What the audit trail keeps of a token: never its hash (the token itself is never stored).
AUDITED = ("name", "prefix", "scopes", "department_id", "user_id", "revoked_at")


def issue(actor, *, name, scopes, department_id=None, user_id=None) -> tuple[ApiToken, str]:
    """Create a token (admins only); returns the row and the token, which is shown this once and stored nowhere."""
    name = clean_text(name, _("名称"), 80, single_line=True)
    scopes = [s for s in SCOPES if s in set(scopes or ())]
    if not scopes:
        raise ValidationFailed(_("请至少选择一项权限。"))
    department_id, user_id = positive_id(department_id), positive_id(user_id)
    if bool(department_id) == bool(user_id):
        raise ValidationFailed(_("请选择令牌代表的部门，或代表的工作人员（二选一）。"))
    if department_id:
        department = db.session.get(Department, int(department_id))
        if department is None or not department.is_active:
            raise ValidationFailed(_("所选部门不存在或已停用。"))
    if user_id:
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active or user.is_admin:
            raise ValidationFailed(_("所选工作人员不存在、已停用或是管理员。"))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=digest(raw), prefix=raw[:8], scopes=" ".join(scopes),
                     department_id=int(department_id) if department_id else None,
                     user_id=int(user_id) if user_id else None, created_at=utcnow(), created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    record_change(actor, "create", "api_token", token.id, {}, snapshot(token, AUDITED), token.created_at)
    db.session.commit()
    return token, raw


def revoke(actor, token: ApiToken) -> None:
    """Revoke a token: from now on it answers 401 like one that never existed."""
    if token.revoked_at is not None:
        raise TransitionRefused(_("该令牌已撤销。"))
    before = snapshot(token, AUDITED)
    token.revoked_at, token.revoked_by_id = utcnow(), actor.id
    record_change(actor, "update", "api_token", token.id, before, snapshot(token, AUDITED), token.revoked_at)
    db.session.commit()


def all_tokens() -> list:
    """Every token, live ones first, newest first."""
    return db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
