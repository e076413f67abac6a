"""The audit trail as an Excel workbook: one row per record, each changed field on its own line, text cells only."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app import audit
from app.display import local
from app.excel import text_cell


def _lines(pairs) -> str:
    return "\n".join(f"{field}: {value}" for field, value in pairs)


def audit_workbook(records, status) -> bytes:
    """The records (newest first) under a line giving the chain's state when the file was made."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("操作审计")
    state = _("审计链完整，共 %(n)d 条", n=status.count) if status.ok else \
        _("审计链在第 %(id)s 条处断开", id=status.broken_id)
    text_cell(ws, 1, 1, state).font = Font(bold=True)
    headers = [_("序号"), _("时间"), _("操作人"), _("方式"), _("对象"), _("对象编号"), _("操作"), _("修改前"), _("修改后"),
               _("哈希")]
    for col, header in enumerate(headers, 1):
        text_cell(ws, 2, col, header).font = Font(bold=True)
    for row_no, record in enumerate(records, 3):
        diff = audit.diff_rows(record)
        values = [str(record.id), local(record.at, "%Y-%m-%d %H:%M:%S"), record.actor_label,
                  str(audit.VIA_LABELS.get(record.via, record.via)),
                  str(audit.ENTITY_LABELS.get(record.entity_type, record.entity_type)), record.entity_id,
                  str(audit.ACTION_LABELS.get(record.action, record.action)),
                  _lines((field, before) for field, before, _after in diff),
                  _lines((field, after) for field, _before, after in diff), record.hash]
        for col, value in enumerate(values, 1):
            text_cell(ws, row_no, col, value).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJ", (8, 18, 14, 8, 14, 12, 10, 40, 40, 20)):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
