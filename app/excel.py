"""Writing spreadsheet cells safely (Excel and CSV): text is always a string and never starts like a formula.

Every cell that can hold what a person typed goes through `safe_text`: company and contact names come from
the anonymous form, so `=HYPERLINK(...)` or `@SUM(...)` must arrive as text, not as a formula."""
import csv
import io

# What makes Excel, LibreOffice or WPS read a cell as a formula (OWASP "CSV injection"), full-width forms
# included; leading spaces do not protect a cell, so they are looked through.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_text(value) -> str:
    """Text that a spreadsheet will not run: a cell that starts like a formula gets an apostrophe in front."""
    text = "" if value is None else str(value)
    stripped = text.lstrip(" \u3000")
    return "'" + text if stripped[:1] in _FORMULA_STARTS or text[:1] in _FORMULA_STARTS else text


def csv_text(rows) -> str:
    """Rows as CSV text, every cell passed through `safe_text`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_text(cell) for cell in row])
    return out.getvalue()


def text_cell(ws, row, col, value):
    """Write `value` as a plain string cell."""
    cell = ws.cell(row=row, column=col, value=safe_text(value))
    cell.data_type = "s"
    return cell
