"""挂图作战: a Gantt-style wall chart drawn on the server as SVG (no JavaScript), planned against actual."""
from datetime import date, timedelta

from markupsafe import Markup, escape

from app.projects.services import EARLIEST, latest_plan

ROW, LABEL, WIDTH, TOP = 34, 260, 1100, 44


def gantt_svg(projects, stages, today: date) -> Markup:
    """One row per project: grey planned span and hollow planned marks, green actual span and filled marks; a planned
    stage already late (its day passed, no actual date) is a red ring with a cross.

    A date stored outside the range a person may type (2000-01-01 to ten years ahead; older rows may hold year 1
    or 9999) is drawn at the chart's edge, its real value in the tooltip: the chart's span stays bounded."""
    lo, hi = EARLIEST, latest_plan(today)

    def bounded(d):
        return min(max(d, lo), hi)

    dates = [bounded(d) for p in projects for m in p.milestones for d in (m.planned_on, m.actual_on) if d] + [today]
    start, end = min(dates) - timedelta(days=15), max(dates) + timedelta(days=15)
    span = max((end - start).days, 1)
    height = TOP + ROW * max(len(projects), 1) + 30

    def x(d):
        return LABEL + (WIDTH - LABEL - 20) * (min(max(d, start), end) - start).days / span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="gantt" role="img" '
             f'aria-label="项目推进挂图">',
             '<rect width="100%" height="100%" fill="#fff"/>']
    month = date(start.year, start.month, 1)
    px_per_month = (WIDTH - LABEL - 20) * 30.4 / span
    step = max(1, int(64 // px_per_month) + (64 % px_per_month > 0))  # labels at least 64 px apart
    while month <= end:
        if month >= start and (month.month - 1) % step == 0:
            parts.append(f'<line x1="{x(month):.1f}" y1="{TOP - 14}" x2="{x(month):.1f}" y2="{height - 24}" '
                         f'stroke="#e3e7ec"/><text x="{x(month) + 3:.1f}" y="{TOP - 18}" font-size="12" '
                         f'fill="#5b6673">{month.year}-{month.month:02d}</text>')
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for row, project in enumerate(projects):
        y = TOP + row * ROW + ROW / 2
        parts.append(f'<text x="8" y="{y + 5:.1f}" font-size="14" fill="#1d2733">{escape(project.name[:18])}</text>')
        by_stage = {m.stage_id: m for m in project.milestones}
        planned = [by_stage[s.id].planned_on for s in stages if s.id in by_stage and by_stage[s.id].planned_on]
        actual = [by_stage[s.id].actual_on for s in stages if s.id in by_stage and by_stage[s.id].actual_on]
        if planned:
            parts.append(f'<line x1="{x(min(planned)):.1f}" y1="{y - 6:.1f}" x2="{x(max(planned)):.1f}" '
                         f'y2="{y - 6:.1f}" stroke="#adb5bd" stroke-width="6" stroke-linecap="round"/>')
        if actual:
            parts.append(f'<line x1="{x(min(actual)):.1f}" y1="{y + 6:.1f}" x2="{x(max(actual)):.1f}" '
                         f'y2="{y + 6:.1f}" stroke="#198754" stroke-width="6" stroke-linecap="round"/>')
        for stage in stages:
            m = by_stage.get(stage.id)
            if m and m.planned_on and not m.actual_on and m.planned_on < today:
                # Late: the planned day has passed and the stage is not done. A red ring and a cross, so it reads
                # without colour too; the tooltip says by how many days.
                cx, cy = x(m.planned_on), y - 6
                parts.append(f'<g class="late"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="#fde2e4" '
                             f'stroke="#dc3545" stroke-width="2.5"/><path d="M{cx - 3.5:.1f} {cy - 3.5:.1f}l7 7m0 -7l-7 7" '
                             f'stroke="#dc3545" stroke-width="2"/><title>{escape(stage.name)} 计划 {m.planned_on}，'
                             f'已逾期 {(today - m.planned_on).days} 天未完成</title></g>')
            elif m and m.planned_on:
                parts.append(f'<circle cx="{x(m.planned_on):.1f}" cy="{y - 6:.1f}" r="6" fill="#fff" stroke="#495057" '
                             f'stroke-width="2"><title>{escape(stage.name)} 计划 {m.planned_on}</title></circle>')
            if m and m.actual_on:
                late = m.planned_on and m.actual_on > m.planned_on
                parts.append(f'<circle cx="{x(m.actual_on):.1f}" cy="{y + 6:.1f}" r="6" '
                             f'fill="{"#dc3545" if late else "#198754"}"><title>{escape(stage.name)} 实际 '
                             f'{m.actual_on}</title></circle>')
            if m and (m.actual_on or m.planned_on):
                parts.append(f'<text x="{x(m.actual_on or m.planned_on) - 10:.1f}" y="{y + 22:.1f}" font-size="10" '
                             f'fill="#5b6673">{escape(stage.name)}</text>')
    parts.append(f'<line x1="{x(today):.1f}" y1="{TOP - 14}" x2="{x(today):.1f}" y2="{height - 24}" '
                 f'stroke="#dc3545" stroke-dasharray="4 3"/><text x="{x(today) + 4:.1f}" y="{height - 10}" '
                 f'font-size="12" fill="#dc3545">今天 {today}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
