"""From the month's lines to figures, scores, ranks and the gold award, for one kind of unit.

Score = Σ weight × points / Σ weight, over the metrics that have data for the unit: a secretary nobody rated
is neither punished nor rewarded on satisfaction, the other weights carry the score. Scores are kept to one
decimal, as shown, and ranks are standard competition ranks on them (90.0, 90.0, 85.5 → 1, 1, 3), so two units
that look equal are equal. The award goes to
every unit at rank 1 if its score reaches the bar; otherwise nobody gets it that month.
"""
from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.assessment.facts import facts
from app.assessment.metrics import BY_KEY, DEPARTMENT, METRICS, SECRETARY, figure_text
from app.enums import Role
from app.extensions import db
from app.models import Department, User

RANKED, BELOW_MINIMUM, NO_TICKETS = "ranked", "below_minimum", "no_tickets"


@dataclass
class MetricFigure:
    """One metric of one unit: how many lines counted, what they earned, the rate and the points."""

    metric: str
    counted: int = 0
    earned: float = 0.0
    excluded: int = 0
    rate: float | None = None
    points: float | None = None


@dataclass
class UnitScore:
    """A unit's month: its figures, volume, score, rank and award."""

    kind: str
    unit_id: int
    name: str
    figures: dict = field(default_factory=dict)
    volume: int = 0
    score: float | None = None
    rank: int | None = None
    status: str = NO_TICKETS
    gold: bool = False

    def as_dict(self) -> dict:
        """Plain data for a frozen snapshot."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict):
        """Back from a frozen snapshot."""
        figures = {k: MetricFigure(**v) for k, v in data.get("figures", {}).items()}
        return cls(**{**data, "figures": figures})


def units(kind: str, ids=None) -> dict:
    """Units of a kind by id, with their names: every active one (units with no tickets are listed too), or
    the given ids whether active or not."""
    if kind == DEPARTMENT:
        query = select(Department.id, Department.name)
        query = query.where(Department.id.in_(ids)) if ids is not None else query.where(Department.is_active)
    else:
        query = select(User.id, User.display_name)
        query = query.where(User.id.in_(ids)) if ids is not None else query.where(
            User.role == Role.SECRETARY.value, User.is_active_account)
    return dict(db.session.execute(query).all())


def tally(kind: str, month, now, **narrow):
    """Tallied live lines of a month (see `tally_lines`)."""
    return tally_lines(kind, facts(kind, month, now, **narrow))


def tally_lines(kind: str, f):
    """Per unit and metric: the counted lines, what they earned, and the lines left out; per unit, the
    number of distinct counted tickets. One GROUP BY pass over lines `f` (live or frozen), a column set per
    metric."""
    metrics = METRICS[kind]
    ticket_metrics = [m.key for m in metrics if m.counts_tickets]
    columns = [f.c.unit_id, func.count(case((f.c.counted & f.c.metric.in_(ticket_metrics), f.c.ticket_id)).distinct())]
    for m in metrics:
        mine = f.c.metric == m.key
        columns += [func.sum(case((mine & f.c.counted, 1), else_=0)),
                    func.sum(case((mine & f.c.counted, f.c.value), else_=0.0)),
                    func.sum(case((mine & ~f.c.counted, 1), else_=0))]
    rows, volumes = [], {}
    for row in db.session.execute(select(*columns).group_by(f.c.unit_id)):
        volumes[row[0]] = row[1]
        for i, m in enumerate(metrics):
            counted, earned, excluded = row[2 + 3 * i: 5 + 3 * i]
            if counted or excluded:
                rows.append((row[0], m.key, counted, earned, excluded))
    return rows, volumes


def score_units(kind: str, rows, volumes, rule) -> list[UnitScore]:
    """Figures, scores, ranks and awards from tallied rows, under a rule (weights, minimum, bar)."""
    names = units(kind)
    extra = {r[0] for r in rows} - set(names)
    if extra:
        names.update(units(kind, extra))  # a unit made inactive still answers for its month
    scores = {uid: UnitScore(kind, uid, name) for uid, name in names.items()}
    for unit_id, metric, counted, earned, excluded in rows:
        unit = scores.get(unit_id)
        if unit is None:
            continue
        # The database sums the lines' values in the order it reads them (3.4 or 3.4000000000000004): each value is a
        # multiple of 0.05, so six decimals give the exact sum back, and no figure (nor a score rounded from it)
        # depends on the order a month's lines were stored in.
        fig = MetricFigure(metric, int(counted or 0), round(float(earned or 0.0), 6), int(excluded or 0))
        m = BY_KEY[metric]
        if m.target_count:
            target = max(rule.visit_target, 1)
            fig.rate = min(100.0, 100.0 * fig.counted / target) if fig.counted else 0.0
            fig.points = fig.rate
        elif fig.counted:
            fig.rate = 100.0 * fig.earned / fig.counted
            fig.points = m.points(fig.rate)
        unit.figures[metric] = fig
    weights = rule.weights
    for unit in scores.values():
        unit.volume = int(volumes.get(unit.unit_id, 0))
        for m in METRICS[kind]:
            unit.figures.setdefault(m.key, MetricFigure(m.key, rate=0.0 if m.target_count else None,
                                                  points=0.0 if m.target_count else None))
        if unit.volume == 0:
            unit.status = NO_TICKETS
            continue
        scored = [(weights.get(k, 0), fig.points) for k, fig in unit.figures.items() if fig.points is not None]
        total = sum(w for w, _p in scored)
        unit.score = round(sum(w * p for w, p in scored) / total, 1) if total else 0.0
        unit.status = RANKED if unit.volume >= rule.min_tickets else BELOW_MINIMUM
    ranked = rank([u for u in scores.values() if u.status == RANKED])
    for unit in ranked:
        unit.gold = unit.rank == 1 and unit.score >= rule.gold_min_score
    rest = sorted((u for u in scores.values() if u.status != RANKED),
                  key=lambda u: (u.status != BELOW_MINIMUM, -(u.score or 0), u.name))
    return ranked + rest


def rank(units_: list[UnitScore]) -> list[UnitScore]:
    """Standard competition ranking by score (ties share a rank, the next rank skips), then by name."""
    ordered = sorted(units_, key=lambda u: (-u.score, u.name))
    previous, previous_rank = None, 0
    for position, unit in enumerate(ordered, start=1):
        key = unit.score
        unit.rank = previous_rank if key == previous else position
        previous, previous_rank = key, unit.rank
    return ordered


# What a citation names, in the ranking table's column order: only figures the table shows beside it.
CITED = {SECRETARY: ("response", "on_time", "completion", "satisfaction"),
         DEPARTMENT: ("sign_off", "on_time", "satisfaction")}


def citation(unit: UnitScore, kind: str) -> str:
    """A one-line reason for an award, made only of the unit's cells in the ranking table, written as the table
    writes them: 纳入考核 12 件，响应率 100.0%，…，综合得分 95.0."""
    parts = [_("纳入考核 %(n)d 件", n=unit.volume)]
    for key in CITED[kind]:
        fig = unit.figures.get(key)
        if fig is not None and fig.rate is not None:
            parts.append(f"{BY_KEY[key].label} {figure_text(BY_KEY[key], fig)}")
    parts.append(_("综合得分 %(score)s", score=f"{unit.score:.1f}"))
    return _("，").join(parts)
