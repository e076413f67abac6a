"""Writing Excel cells safely: text is always a string cell and never starts like a formula."""


def safe_text(value) -> str:
    """Text that Excel will not run: a leading = + - @ (or tab/CR) gets an apostrophe in front."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def text_cell(ws, row, col, value):
    """Write `value` as a plain string cell."""
    cell = ws.cell(row=row, column=col, value=safe_text(value))
    cell.data_type = "s"
    return cell
