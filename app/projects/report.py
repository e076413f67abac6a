"""一表制 as the center reports it: the parks' yearly targets, the sheet's figures against them (新开工, 投产, 落地开工率),
拿地即开工 and the fastest 拿地 → 施工许可, each with the projects and dates behind it."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.models import ParkTarget
from app.models.project import ProjectChange
from app.projects.services import SheetFigure, figures, sane, today, working_days_between
from app.text import clean_text
from app.timesource import utcnow

# 拿地即开工 as the zone counts it: the construction permit (施工许可证) is issued on the day the land is obtained
# (拿地: the land transfer contract signed or the property certificate issued, the sheet's actual 拿地 date), the
# permits having been prepared while the land was being offered (承诺制, 四证同发). The window is in working days
# after that day (0: the same day); a permit dated before the land is a data error and never counts.
INSTANT_START_WD = 0
TARGET_LIMIT = 10_000


def targets(year: int) -> list[ParkTarget]:
    """Every park's targets for `year`, by park."""
    return db.session.scalars(select(ParkTarget).where(ParkTarget.year == year).order_by(ParkTarget.park)).all()


def target_totals(year: int, park: str = "") -> dict | None:
    """The year's targets for one park, or summed over every park (no park chosen); None when none are set."""
    rows = [t for t in targets(year) if not park or t.park == park]
    if not rows:
        return None
    starts, production = sum(t.new_starts for t in rows), sum(t.in_production for t in rows)
    # Over several parks the rate target is the lowest park's: signings are not targeted, so there is no weight
    # for a mean, and the zone is never said to meet a rate a park of it misses.
    return {"new_starts": starts, "in_production": production, "start_rate": min(t.start_rate for t in rows)}


def set_park_target(actor, *, year: int, park: str, new_starts: int, in_production: int, start_rate: int):
    """Set (or change) a park's targets for a year: supervisors only; every change is kept in the history."""
    if not actor.is_supervisor:
        raise NotAllowed(_("只有督办可以设置年度目标。"))
    park = clean_text(park, _("园区"), 60, single_line=True)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度应在 2000–2100 之间。"))
    for value, label, top in ((new_starts, _("新开工目标"), TARGET_LIMIT), (in_production, _("投产目标"), TARGET_LIMIT),
                              (start_rate, _("落地开工率目标"), 100)):
        if not isinstance(value, int) or not 0 <= value <= top:
            raise ValidationFailed(_("%(label)s应为 0–%(top)d 之间的整数。", label=label, top=top))
    row = db.session.scalar(select(ParkTarget).where(ParkTarget.year == year, ParkTarget.park == park))
    before = _describe(row) if row else ""
    row = row or ParkTarget(year=year, park=park)
    row.new_starts, row.in_production, row.start_rate = new_starts, in_production, start_rate
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    db.session.add(row)
    after = _describe(row)
    if before != after:
        db.session.add(ProjectChange(at=row.updated_at, actor_id=actor.id, actor_name=actor.display_name,
                                     field="target", old_value=before, new_value=after))
    db.session.commit()
    return row


def _describe(row) -> str:
    return (f"{row.park} {row.year}：新开工 {row.new_starts} 个，投产 {row.in_production} 个，"
            f"落地开工率 {row.start_rate}%")


def percent(part: int, whole: int) -> int | None:
    """part / whole in whole percent, halves rounded up (11 of 20 → 55); None without a whole."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


def _done(project, code, on):
    m = project.milestone(code)
    return m.actual_on if m and sane(m.actual_on, on) else None


def _permit(project, on):
    return next((day for day in project.permit_approvals() if sane(day, on)), None)


def report_figures(projects, year: int, goal: dict | None, *, details: bool = True) -> list[SheetFigure]:
    """The figures the center reports for `year` over `projects`, against the targets `goal` (target_totals):
    新开工 (actual 开工 in the year), 投产 and 落地开工率 (services.figures), 拿地即开工 (see INSTANT_START_WD), the
    fastest 拿地 → 施工许可证, and the average spans. Each lists its projects, and with `details` for each the dates it
    counts by (the drill-down's words; the sheet shows the values alone)."""
    on = today()
    base = {fig.key: fig for fig in figures(projects, year, details=details)}
    starts = SheetFigure("new_starts", _("新开工"), 0, _("个"))
    for p in projects:
        day = _done(p, "start", on)
        if day and day.year == year:
            starts.projects.append(p)
            if details:
                starts.detail[p.id] = _("开工 %(a)s", a=day.isoformat())
    starts.value = len(starts.projects)
    instant = SheetFigure("instant_start", _("拿地即开工"), 0, _("个"))
    fastest = SheetFigure("fastest_permit", _("拿地到施工许可最快"), None, _("个工作日"))
    spans = {}
    for p in projects:
        land, permit = _done(p, "land", on), _permit(p, on)
        if not land or not permit or permit.year != year or permit < land:
            continue
        spans[p.id] = (p, land, permit, working_days_between(land, permit))
    for p, land, permit, days in spans.values():
        if days <= INSTANT_START_WD:
            instant.projects.append(p)
        if details:
            text = _("拿地 %(a)s，施工许可 %(b)s，%(d)d 个工作日", a=land.isoformat(), b=permit.isoformat(), d=days)
            fastest.detail[p.id] = text
            if days <= INSTANT_START_WD:
                instant.detail[p.id] = text
    instant.value = len(instant.projects)
    if spans:
        fastest.value = min(row[3] for row in spans.values())
        # The fastest first, then the others by span, so the drill-down shows how the rest compare.
        fastest.projects = [row[0] for row in sorted(spans.values(), key=lambda r: (r[3], r[2], r[0].id))]
    figs = [starts, base["in_production"], base["start_rate"], instant, fastest, base["land_to_permit"],
            base["sign_to_start"]]
    return with_goal(figs, goal)


def with_goal(figs: list[SheetFigure], goal: dict | None) -> list[SheetFigure]:
    """The report's figures `figs` with the targets `goal` (target_totals) and the progress against them."""
    if goal:
        by_key = {fig.key: fig for fig in figs}
        for key in ("new_starts", "in_production", "start_rate"):
            by_key[key].target = goal[key]
        for key in ("new_starts", "in_production"):
            by_key[key].progress = percent(by_key[key].value, goal[key])
    return figs
