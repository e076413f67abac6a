"""QR codes drawn on the server as inline SVG by segno, so a phone can scan a link off a screen or a printout."""
import segno
from markupsafe import Markup


def qr_svg(text: str, *, title: str) -> Markup:
    """An inline <svg> QR code of `text`: a full-size QR symbol (never a Micro QR, which phones read badly), error
    correction M, 4 px per module, the standard 4-module quiet zone; `title` is its accessible name."""
    code = segno.make_qr(text, error="m")
    return Markup(code.svg_inline(scale=4, border=4, title=title, svgclass="qr-code", lineclass=None))
