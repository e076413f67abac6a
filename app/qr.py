"""QR codes drawn on the server as inline SVG by segno, so a phone can scan a link off a screen or a printout."""
import segno
from markupsafe import Markup

MASK = 2


def qr_svg(text: str, *, title: str) -> Markup:
    """An inline <svg> QR code of `text`: a full-size QR symbol (never a Micro QR, which phones read badly), error
    correction M, 4 px per module, the standard 4-module quiet zone; `title` is its accessible name."""
    # A fixed mask: choosing the best of the eight by their penalty scores was 85 % of a receipt's QR cost (8.3 of
    # 9.7 ms, the largest single cost of a public submission); every mask is valid and phones read them all.
    code = segno.make_qr(text, error="m", mask=MASK)
    return Markup(code.svg_inline(scale=4, border=4, title=title, svgclass="qr-code", lineclass=None))
