"""The sheet as an Excel workbook: same rows and colours as the page, each stage's planned and actual dates in
their own columns as real date cells (so a user can sort and compute); text never becomes a formula."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.enums import CellStatus
from app.excel import text_cell
from app.projects.services import cell_state, sane

FILLS = {CellStatus.DONE: "C6EFCE", CellStatus.DONE_LATE: "F8CBAD", CellStatus.LATE: "FFC7CE",
         CellStatus.SOON: "FFEB9C", CellStatus.PLANNED: "DDEBF7"}
# One fill object per colour, shared by every cell of that colour: a new PatternFill per cell cost a third of an
# export of 10,000 projects.
PATTERNS = {state: PatternFill("solid", fgColor=colour) for state, colour in FILLS.items()}
DATE_FORMAT = "yyyy-mm-dd"
FIXED = ["项目", "企业", "总投资（万元）", "行业", "园区", "项目秘书"]


def _date_cell(ws, row, col, value, today):
    """A date as a date cell; a stored date outside what a person may type (old rows: year 1, 9999, which Excel
    cannot hold) as its text, so the export never fails on it."""
    if value is None:
        return ws.cell(row=row, column=col)
    if not sane(value, today):
        return text_cell(ws, row, col, value.isoformat())
    cell = ws.cell(row=row, column=col, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def sheet_workbook(projects, stages, today) -> bytes:
    """Build the workbook: one sheet for the projects (two date columns per stage: 计划, 实际), one for the legend."""
    wb = Workbook()
    ws = wb.active
    ws.title = "一表制"
    headers = FIXED + [f"{s.name}{part}" for s in stages for part in ("计划", "实际")]
    for col, title in enumerate(headers, start=1):
        cell = text_cell(ws, 1, col, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, project in enumerate(projects, start=2):
        values = [project.name, project.enterprise.name, None, project.industry, project.park,
                  project.secretary.display_name if project.secretary else ""]
        for col, value in enumerate(values, start=1):
            if col == 3:
                ws.cell(row=row, column=col, value=project.investment_wan)
            else:
                text_cell(ws, row, col, value)
        by_stage = {m.stage_id: m for m in project.milestones}
        for offset, stage in enumerate(stages):
            milestone = by_stage.get(stage.id)
            state = cell_state(milestone, today)
            col = len(FIXED) + 1 + 2 * offset
            planned = _date_cell(ws, row, col, milestone.planned_on if milestone else None, today)
            actual = _date_cell(ws, row, col + 1, milestone.actual_on if milestone else None, today)
            if state in PATTERNS:
                planned.fill = actual.fill = PATTERNS[state]
    for col, width in zip("ABCDEF", (28, 28, 14, 12, 14, 10), strict=True):
        ws.column_dimensions[col].width = width
    for offset in range(2 * len(stages)):
        ws.column_dimensions[get_column_letter(len(FIXED) + 1 + offset)].width = 12
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(projects) + 1, 1)}"
    legend = wb.create_sheet("图例")
    for row, state in enumerate(FILLS, start=1):
        text_cell(legend, row, 1, state.label).fill = PATTERNS[state]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
