"""Recording visits to enterprises; their verified contact and SMS opt-out."""
import re
from datetime import timedelta

from flask_babel import gettext as _

from app.audit import record_change, snapshot
from app.timesource import utcnow
from app.enums import VisitKind
from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.journal import record_enterprise_event
from app.models import EnterpriseContact, Visit
from app.text import clean_text
from app.validators import is_valid_mobile

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
from sla.calendar import SHANGHAI


def log_visit(actor, enterprise, kind, visited_on, participants, summary):
    """走访登记: record a visit; it cannot be dated in the future."""
    if VisitKind.get(kind) is None:
        raise ValidationFailed(_("请选择走访方式。"))
    today = utcnow().astimezone(SHANGHAI).date()
    if visited_on > today:
        raise ValidationFailed(_("走访日期不能晚于今天。"))
    if visited_on < today - timedelta(days=366):
        raise ValidationFailed(_("走访日期不能早于一年前。"))
    visit = Visit(enterprise=enterprise, secretary_id=actor.id, kind=kind, visited_on=visited_on,
                  participants=participants or "", summary=summary, created_at=utcnow())
    db.session.add(visit)
    db.session.commit()
    return visit


_CONTACT_FIELDS = ("contact_name", "mobile", "email", "contact_verified")  # who speaks for the company


def verify_contact(actor, enterprise, contact_name: str, mobile: str, email: str | None = None) -> None:
    """核实联系人: a supervisor confirms who speaks for the company (after a call to its registered number, say).
    Only a verified contact receives the monthly evaluation link (by SMS, and by email when an address is given
    here); changing the contact revokes links sent to the previous one. `email` None keeps the address."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办人员可以核实企业联系人。"))
    before = snapshot(enterprise, _CONTACT_FIELDS)
    name = clean_text(contact_name, _("联系人"), 40, single_line=True)
    mobile = (mobile or "").strip()
    if not is_valid_mobile(mobile):
        raise ValidationFailed(_("请填写正确的 11 位手机号码。"))
    if email is not None:
        email = clean_text(email, _("电子邮箱"), 120, required=False, single_line=True)
        if email and not EMAIL_RE.match(email):
            raise ValidationFailed(_("电子邮箱格式不正确，例如 name@example.com。"))
        enterprise.email = email
    primary_before = [f"{c.name} {c.mobile}{' ✓' if c.verified else ''}" for c in enterprise.contacts if c.is_primary]
    primary = enterprise.primary_contact
    if primary is None:
        primary = EnterpriseContact(is_primary=True, position=-1)  # first in the list
        enterprise.contacts.insert(0, primary)
    primary.name, primary.mobile, primary.verified = name, mobile, True
    enterprise.mirror_primary()  # the company's contact fields follow the primary contact
    record_enterprise_event(enterprise, actor, "contacts",
                            {"contacts": [primary_before[0] if primary_before else None, f"{name} {mobile} ✓"]},
                            at=utcnow())
    record_change(actor, "update", "enterprise", enterprise.id, before, snapshot(enterprise, _CONTACT_FIELDS),
                  utcnow())
    db.session.commit()


def set_sms_opt_out(actor, enterprise, opted_out: bool) -> None:
    """退订 / 恢复短信通知 for a company, at its request by phone: its supervisors and its own secretary may."""
    if not (actor.is_supervisor or (actor.is_secretary and enterprise.secretary_id == actor.id)):
        raise NotAllowed(_("只有督办人员或该企业的联系秘书可以修改短信通知设置。"))
    before = snapshot(enterprise, ("sms_opt_out",))
    enterprise.sms_opt_out = bool(opted_out)
    record_change(actor, "update", "enterprise", enterprise.id, before, snapshot(enterprise, ("sms_opt_out",)),
                  utcnow())
    db.session.commit()
