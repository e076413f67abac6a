"""The sheet as an Excel workbook: same rows, columns and colours as the page; text never becomes a formula."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from app.enums import CellStatus
from app.excel import text_cell
from app.projects.services import cell_state

FILLS = {CellStatus.DONE: "C6EFCE", CellStatus.DONE_LATE: "F8CBAD", CellStatus.LATE: "FFC7CE",
         CellStatus.SOON: "FFEB9C", CellStatus.PLANNED: "DDEBF7"}


def sheet_workbook(projects, stages, today) -> bytes:
    """Build the workbook: one sheet for the projects, one for the legend."""
    wb = Workbook()
    ws = wb.active
    ws.title = "一表制"
    headers = ["项目", "企业", "总投资（万元）", "行业", "园区", "项目秘书"] + [s.name for s in stages]
    for col, title in enumerate(headers, start=1):
        cell = text_cell(ws, 1, col, title)
        cell.font = Font(bold=True)
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
            text = ""
            if milestone is not None and (milestone.planned_on or milestone.actual_on):
                text = f"计划 {milestone.planned_on or '—'}\n实际 {milestone.actual_on or '—'}"
            cell = text_cell(ws, row, 7 + offset, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if state in FILLS:
                cell.fill = PatternFill("solid", fgColor=FILLS[state])
    for col, width in zip("ABCDEF", (28, 28, 14, 12, 14, 10), strict=True):
        ws.column_dimensions[col].width = width
    for offset in range(len(stages)):
        ws.column_dimensions[chr(ord("G") + offset)].width = 18
    legend = wb.create_sheet("图例")
    for row, (state, fill) in enumerate(FILLS.items(), start=1):
        text_cell(legend, row, 1, state.label).fill = PatternFill("solid", fgColor=fill)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
