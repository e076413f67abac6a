"""The secretary's desk: creating and editing enterprises, their contacts, and who their 联系秘书 is. Every change is
an entry in the enterprise's history (enterprise_event); a change of 联系秘书 also routes its waiting cases."""
import json
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_change, snapshot
from app.enums import OPEN_STATES, Role, TicketState
from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.journal import record_enterprise_event
from app.models import Enterprise, EnterpriseContact, EnterpriseEvent, Ticket, User, Visit
from app.text import clean_text
from app.tickets.routing import hand_to
from app.timesource import utcnow
from app.validators import is_valid_credit_code, is_valid_mobile, normalize_credit_code
from sla.calendar import SHANGHAI

# The history's field keys and how a person reads them.
FIELD_LABELS = {"name": _l("企业名称"), "credit_code": _l("统一社会信用代码"), "park": _l("园区"),
                "industry": _l("行业"), "secretary": _l("联系秘书"), "contacts": _l("联系人")}
KIND_LABELS = {"created": _l("新建企业"), "edited": _l("修改企业信息"), "secretary": _l("变更联系秘书"),
               "contacts": _l("修改联系人")}

SPEAKS_FOR = ("contact_name", "mobile", "contact_verified")  # the primary contact, as sign-in reads it


@dataclass
class ContactRow:
    """One contact as typed on the form (`id` None for a new one)."""

    name: str
    title: str
    mobile: str
    verified: bool = False
    id: int | None = None


def can_manage(user) -> bool:
    """Whether `user` may create enterprises, edit their details and (re)assign 联系秘书: supervisors, admins."""
    return user.has_role(Role.SUPERVISOR, Role.ADMIN)


def can_edit_contacts(user, enterprise) -> bool:
    """Supervisors, admins, and the enterprise's own 联系秘书 may edit its contacts."""
    return can_manage(user) or (user.is_secretary and enterprise.secretary_id == user.id)


def secretary_choices():
    """The active secretaries, by name: those an enterprise can be given to."""
    return db.session.scalars(select(User).where(User.role == Role.SECRETARY.value, User.is_active_account.is_(True))
                              .order_by(User.display_name)).all()


def _secretary(secretary_id):
    if not secretary_id:
        return None
    user = db.session.get(User, int(secretary_id))
    if user is None or not user.is_secretary or not user.is_active_account:
        raise ValidationFailed(_("请选择在职的项目秘书。"))
    return user


def _check_details(enterprise, name, credit_code, park, industry):
    name = clean_text(name, _("企业名称"), 120, single_line=True)
    code = normalize_credit_code(credit_code) or None
    if code and not is_valid_credit_code(code):
        raise ValidationFailed(_("统一社会信用代码应为 18 位，且校验位正确，请核对。"))
    if code:
        other = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        if other is not None and other is not enterprise:
            raise ValidationFailed(_("统一社会信用代码 %(code)s 已登记为企业“%(name)s”。", code=code, name=other.name))
    park = clean_text(park, _("园区"), 60, required=False, single_line=True)
    industry = clean_text(industry, _("行业"), 60, required=False, single_line=True)
    return name, code, park, industry


def _contact_text(contacts) -> str:
    """The contacts as one line for the history."""
    return "；".join(f"{c.name}{'（' + c.title + '）' if c.title else ''} {c.mobile}"
                    f"{' ★' if c.is_primary else ''}{' ✓' if c.verified else ''}" for c in contacts) or "—"


def _check_contacts(rows, primary_index):
    checked = []
    for n, row in enumerate(rows, start=1):
        name = clean_text(row.name, _("第 %(n)d 位联系人的姓名", n=n), 40, single_line=True)
        title = clean_text(row.title, _("第 %(n)d 位联系人的职务", n=n), 40, required=False, single_line=True)
        mobile = (row.mobile or "").strip()
        if not is_valid_mobile(mobile):
            raise ValidationFailed(_("第 %(n)d 位联系人：请填写正确的 11 位手机号码。", n=n))
        checked.append(ContactRow(name, title, mobile, bool(row.verified), row.id))
    if checked and not (primary_index is not None and 0 <= primary_index < len(checked)):
        primary_index = 0  # one contact at least speaks for the company: the first, unless one is chosen
    return checked, primary_index


def _apply_contacts(actor, enterprise, rows, primary_index):
    """Replace the enterprise's contacts with `rows`. Only a supervisor's tick verifies a contact (a verified
    primary contact sees all of the company's cases on 我的诉求); anyone else keeps a contact's verification only
    while its name and mobile stay as they were."""
    old = {c.id: c for c in enterprise.contacts}
    kept = []
    for position, row in enumerate(rows):
        previous = old.get(row.id) if row.id else None
        if actor.is_supervisor:
            verified = row.verified
        else:
            verified = bool(previous and previous.verified and previous.name == row.name
                            and previous.mobile == row.mobile)
        contact = previous or EnterpriseContact()
        contact.position, contact.name, contact.title, contact.mobile = position, row.name, row.title, row.mobile
        contact.verified, contact.is_primary = verified, position == primary_index
        kept.append(contact)
    enterprise.contacts = kept
    enterprise.mirror_primary()


def create_enterprise(actor, *, name, credit_code, park="", industry="", secretary_id=None, contacts=(),
                      primary_index=None):
    """新建企业: a supervisor or admin registers an enterprise, with its contacts and, optionally, its 联系秘书."""
    if not can_manage(actor):
        raise NotAllowed(_("只有督办人员或管理员可以新建企业。"))
    now = utcnow()
    name, code, park, industry = _check_details(None, name, credit_code, park, industry)
    secretary = _secretary(secretary_id)
    rows, primary_index = _check_contacts(list(contacts), primary_index)
    enterprise = Enterprise(name=name, credit_code=code, park=park, industry=industry, secretary=secretary,
                            created_at=now)
    db.session.add(enterprise)
    _apply_contacts(actor, enterprise, rows, primary_index)
    db.session.flush()
    record_enterprise_event(enterprise, actor, "created", {
        "name": [None, name], "credit_code": [None, code], "park": [None, park], "industry": [None, industry],
        "secretary": [None, secretary.display_name if secretary else None],
        "contacts": [None, _contact_text(enterprise.contacts)]}, at=now)
    record_change(actor, "create", "enterprise", enterprise.id, {}, snapshot(enterprise, SPEAKS_FOR), now)
    db.session.commit()
    return enterprise


def update_enterprise(actor, enterprise, *, name, credit_code, park, industry):
    """修改企业信息: name, credit code, park and industry (supervisors, admins); an event names what changed."""
    if not can_manage(actor):
        raise NotAllowed(_("只有督办人员或管理员可以修改企业信息。"))
    now = utcnow()
    values = dict(zip(("name", "credit_code", "park", "industry"),
                      _check_details(enterprise, name, credit_code, park, industry), strict=True))
    changes = {key: [getattr(enterprise, key), value] for key, value in values.items()
               if (getattr(enterprise, key) or None) != (value or None)}
    for key, value in values.items():
        setattr(enterprise, key, value)
    if changes:
        record_enterprise_event(enterprise, actor, "edited", changes, at=now)
    db.session.commit()
    return changes


def save_contacts(actor, enterprise, rows, primary_index):
    """修改联系人: replace the enterprise's contacts (each with name, title and mobile, one primary), keeping the
    company's contact fields in step with the primary one."""
    if not can_edit_contacts(actor, enterprise):
        raise NotAllowed(_("只有督办人员、管理员或该企业的联系秘书可以修改联系人。"))
    now = utcnow()
    rows, primary_index = _check_contacts(list(rows), primary_index)
    known = {c.id for c in enterprise.contacts}
    for row in rows:
        if row.id is not None and row.id not in known:
            row.id = None  # an id from another company's form is a new contact here, never that one
    before, speaks_before = _contact_text(enterprise.contacts), snapshot(enterprise, SPEAKS_FOR)
    _apply_contacts(actor, enterprise, rows, primary_index)
    db.session.flush()
    after = _contact_text(enterprise.contacts)
    if after != before:
        record_enterprise_event(enterprise, actor, "contacts", {"contacts": [before, after]}, at=now)
    # Who speaks for the company decides who sees all its cases on 我的诉求: in the audit trail too.
    record_change(actor, "update", "enterprise", enterprise.id, speaks_before, snapshot(enterprise, SPEAKS_FOR), now)
    db.session.commit()


def assign_secretary(actor, enterprises, secretary_id) -> int:
    """分配联系秘书, for one enterprise or many at once (supervisors, admins): one event per enterprise that changes
    hands. Its cases not yet accepted, and its cases in the pool, go to the new 联系秘书 (None: to the pool);
    accepted cases stay with the secretary handling them. Returns how many enterprises changed."""
    if not can_manage(actor):
        raise NotAllowed(_("只有督办人员或管理员可以分配联系秘书。"))
    if not enterprises:
        raise ValidationFailed(_("请至少勾选一家企业。"))
    secretary = _secretary(secretary_id)
    now = utcnow()
    changed = 0
    for enterprise in enterprises:
        before = enterprise.secretary
        if (before.id if before else None) == (secretary.id if secretary else None):
            continue
        enterprise.secretary = secretary
        record_enterprise_event(enterprise, actor, "secretary", {
            "secretary": [before.display_name if before else None, secretary.display_name if secretary else None]},
            at=now)
        waiting = db.session.scalars(select(Ticket).where(
            Ticket.enterprise_id == enterprise.id,
            (Ticket.state == TicketState.INTAKE.value)
            | (Ticket.secretary_id.is_(None) & Ticket.state.in_(OPEN_STATES)))).all()
        for ticket in waiting:
            if ticket.secretary_id != (secretary.id if secretary else None):
                hand_to(ticket, actor, secretary, now)
        changed += 1
    db.session.commit()
    return changed


def history(enterprise, limit=200):
    """The enterprise's history, newest first, each with its changes decoded."""
    events = db.session.scalars(select(EnterpriseEvent).where(EnterpriseEvent.enterprise_id == enterprise.id)
                                .order_by(EnterpriseEvent.at.desc(), EnterpriseEvent.id.desc()).limit(limit)).all()
    return [(e, KIND_LABELS.get(e.kind, e.kind),
             [(FIELD_LABELS.get(k, k), before, after) for k, (before, after) in json.loads(e.changes).items()])
            for e in events]


def visits_this_month(secretary_id, now=None) -> int:
    """How many visits (家次) the secretary has logged this calendar month (Beijing time)."""
    today = (now or utcnow()).astimezone(SHANGHAI).date()
    return db.session.scalar(select(func.count(Visit.id)).where(
        Visit.secretary_id == secretary_id, Visit.visited_on >= today.replace(day=1), Visit.visited_on <= today)) or 0
