"""Which SLA policy applies to a ticket, and the target each clock kind gets from it."""
from sqlalchemy import select

from app.timesource import utcnow
from app.enums import ClockKind
from app.extensions import db
from app.models import SlaPolicy
from sla.clocks import Target, Thresholds

DEFAULT_NAME = "默认时限"


def policy_for(category_id, urgency) -> SlaPolicy:
    """The most specific policy: category and urgency, then category, then urgency, then the default."""
    candidates = db.session.scalars(select(SlaPolicy).where(
        SlaPolicy.category_id.is_(None) | (SlaPolicy.category_id == category_id),
        SlaPolicy.urgency.is_(None) | (SlaPolicy.urgency == urgency))).all()
    if not candidates:
        default = SlaPolicy(name=DEFAULT_NAME, updated_at=utcnow())
        db.session.add(default)
        db.session.flush()
        return default
    return max(candidates, key=lambda p: (p.category_id is not None, p.urgency is not None))


def target_for(policy: SlaPolicy, kind: ClockKind, convened: bool = False) -> Target:
    """The promise this policy makes for one clock kind."""
    if kind is ClockKind.ACKNOWLEDGE:
        return Target("hours", policy.acknowledge_hours)
    days = {ClockKind.FIRST_REPLY: policy.first_reply_wd, ClockKind.SIGN_OFF: policy.sign_off_wd,
            ClockKind.RESOLUTION: policy.convened_wd if convened else policy.resolution_wd,
            ClockKind.FOLLOW_UP: policy.follow_up_wd}[kind]
    return Target("working_days", days)


def thresholds_of(policy: SlaPolicy) -> Thresholds:
    """When clocks under this policy warn, are supervised and escalate."""
    return Thresholds(policy.warning_percent / 100, policy.supervise_after_wd, policy.escalate_after_wd)
