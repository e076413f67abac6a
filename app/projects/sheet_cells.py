"""A project's stage cells on the 一表制 sheet, built in Python: a page of 100 projects has 500 of them, and in the
template each cell looked its milestone up through a filter chain and translated its two words again (about 25 ms
of a 50 ms page at 10,000 projects). Written with `escape` and f-strings, as app/badges.py."""
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.projects.services import cell_state


def short_date(day) -> str:
    """A stage date on the sheet: two-digit years within 2000–2099; a date outside (an old row from before dates were
    checked) in full; "—" when there is none."""
    if not day:
        return "—"
    return day.strftime("%y-%m-%d") if 2000 <= day.year <= 2099 else day.isoformat()


def stage_cells(project, stages, on) -> Markup:
    """The row's cell for each stage, in the sheet's column order: coloured by how the stage stands, with its planned
    and actual dates."""
    by_stage = {m.stage_id: m for m in project.milestones}
    planned_word, actual_word = escape(_("计划")), escape(_("实际"))
    cells = []
    for stage in stages:
        m = by_stage.get(stage.id)
        dates = ""
        if m is not None and (m.planned_on or m.actual_on):
            dates = (f"\n        <div>{planned_word} {short_date(m.planned_on)}</div>"
                     f"\n        <div>{actual_word} {short_date(m.actual_on)}</div>")
        cells.append(f'<td class="cell-{cell_state(m, on).value} small text-center">{dates}</td>')
    return Markup("\n      ".join(cells))
