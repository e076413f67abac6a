"""Recording visits to enterprises."""
from datetime import timedelta

from flask_babel import gettext as _

from app.clock import utcnow
from app.enums import VisitKind
from app.errors import ValidationFailed
from app.extensions import db
from app.models import Visit
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
