"""The admins' scoring rules: weights, minimum volume, award bar and visit target per kind of unit."""
import json
from dataclasses import dataclass

from flask_babel import gettext as _

from app.assessment.drafts import drop_drafts
from app.audit import record_change
from app.assessment.metrics import DEFAULT_WEIGHTS, METRICS, UNIT_KINDS
from app.timesource import utcnow
from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.models import ScoringRule


@dataclass
class Rule:
    """Weights, minimum volume, award bar and visit target for one kind of unit."""

    kind: str
    weights: dict
    min_tickets: int = 5
    gold_min_score: int = 90
    visit_target: int = 4

    def as_dict(self) -> dict:
        """The rule as stored in a published month's summary."""
        return dict(self.__dict__)


def rule_for(kind: str) -> Rule:
    """The admins' current rule for a kind of unit, or the defaults."""
    row = db.session.get(ScoringRule, kind)
    if row is None:
        return Rule(kind, dict(DEFAULT_WEIGHTS[kind]))
    weights = {m.key: int(row.weights.get(m.key, 0)) for m in METRICS[kind]}
    return Rule(kind, weights, row.min_tickets, row.gold_min_score, row.visit_target)


def _audited(row) -> dict:
    if row is None:
        return {}
    return {"weights": json.loads(row.weights_json or "{}"), "min_tickets": row.min_tickets,
            "gold_min_score": row.gold_min_score, "visit_target": row.visit_target}


def save_rule(kind: str, actor, weights: dict, min_tickets: int, gold_min_score: int, visit_target: int) -> Rule:
    """Store new weights (they must add up to 100) and thresholds; published months keep the old ones."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改考核权重。"))
    if kind not in UNIT_KINDS:
        raise ValidationFailed(_("考核对象不正确。"))
    clean = {m.key: int(weights.get(m.key) or 0) for m in METRICS[kind]}
    if any(w < 0 or w > 100 for w in clean.values()):
        raise ValidationFailed(_("每项权重应在 0 到 100 之间。"))
    if sum(clean.values()) != 100:
        raise ValidationFailed(_("各项权重之和应为 100，现在是 %(n)d。", n=sum(clean.values())))
    if not (0 <= min_tickets <= 1000 and 0 <= gold_min_score <= 100 and 1 <= visit_target <= 100):
        raise ValidationFailed(_("最低件数应在 0–1000，金牌最低分在 0–100，走访目标在 1–100 之间。"))
    existing = db.session.get(ScoringRule, kind)
    before = _audited(existing)
    row = existing or ScoringRule(unit_kind=kind)
    row.weights_json = json.dumps(clean)
    row.min_tickets, row.gold_min_score, row.visit_target = min_tickets, gold_min_score, visit_target
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.add(row)
    drop_drafts()
    record_change(actor, "update" if existing is not None else "create", "scoring_rule", kind, before, _audited(row),
                  row.updated_at)
    db.session.commit()
    return rule_for(kind)
