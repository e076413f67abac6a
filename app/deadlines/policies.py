"""Which SLA policy applies to a ticket, the target each clock kind gets from it, and the 好差评 rating window."""
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.timesource import utcnow
from app.enums import ClockKind
from app.extensions import db
from app.models import RatingPolicy, SlaPolicy
from app.models.feedback import DEFAULT_RATING_DAYS
from sla.calendar import SHANGHAI
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
            ClockKind.FOLLOW_UP: policy.follow_up_wd, ClockKind.REMEDIATION: policy.remediation_wd}[kind]
    return Target("working_days", days)


def thresholds_of(policy: SlaPolicy) -> Thresholds:
    """When clocks under this policy warn, are supervised and escalate."""
    return Thresholds(policy.warning_percent / 100, policy.supervise_after_wd, policy.escalate_after_wd)


def rating_policy() -> RatingPolicy | None:
    """The centre's 好差评 settings row, or None while an admin has never saved it (the defaults apply)."""
    return db.session.scalar(select(RatingPolicy).order_by(RatingPolicy.id).limit(1))


def rating_window_days() -> int:
    """How many natural days a resolved case waits for the enterprise's rating before it is rated by default."""
    policy = rating_policy()
    return policy.default_after_days if policy is not None else DEFAULT_RATING_DAYS


def rating_deadline(resolved_at: datetime, days: int) -> datetime:
    """When a case resolved at `resolved_at` is rated by default: the end (24:00, Beijing) of the `days`-th
    natural day after the day it was resolved, the day itself not counted, as working-day budgets are counted."""
    day = resolved_at.astimezone(SHANGHAI).date() + timedelta(days=days + 1)
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def unrated_before(now: datetime, days: int) -> datetime:
    """Cases resolved before this moment have passed their rating deadline at `now` (the start of the Beijing
    day `days` days before today's)."""
    day = now.astimezone(SHANGHAI).date() - timedelta(days=days)
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)
