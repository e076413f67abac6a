"""Charts for the monthly report, drawn on the server as SVG: readable in print, no JavaScript, every label
escaped."""
from markupsafe import Markup, escape

INK, MUTED, GRID = "#1d2733", "#5b6673", "#e3e7ec"
BAR, BAR_2, GOLD = "#2f6fb3", "#7fb77e", "#c9a227"


def bar_chart(rows, *, label: str, unit: str = "", width=560, highlight=None, max_value=None) -> Markup:
    """Horizontal bars, one per (name, value) row, value printed at the bar's end."""
    rows = list(rows)
    row_h, left, top = 26, 150, 8
    height = top + row_h * max(len(rows), 1) + 8
    top_value = max_value or max([v for _n, v in rows if v is not None] + [1])
    span = width - left - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
             f'aria-label="{escape(label)}"><title>{escape(label)}</title>']
    if not rows:
        parts.append(f'<text x="8" y="24" font-size="13" fill="{MUTED}">—</text>')
    for i, (name, value) in enumerate(rows):
        y = top + i * row_h
        length = 0 if value is None else span * value / top_value
        colour = GOLD if highlight is not None and name in highlight else BAR
        parts.append(f'<text x="{left - 8}" y="{y + 17}" font-size="15" fill="{INK}" text-anchor="end">'
                     f'{escape(str(name)[:14])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{length:.1f}" height="{row_h - 10}" rx="2" '
                     f'fill="{colour}"/>')
        text = "—" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))
        parts.append(f'<text x="{left + length + 6:.1f}" y="{y + 17}" font-size="14" fill="{MUTED}">'
                     f'{escape(text)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points, *, label: str, legend=("", ""), width=560, height=200) -> Markup:
    """Paired columns per month (e.g. received and resolved), oldest month on the left."""
    points = list(points)
    left, bottom, top = 36, 28, 24
    top_value = max([max(a, b) for _m, a, b in points] + [1])
    plot_h = height - top - bottom
    slot = (width - left - 10) / max(len(points), 1)
    bar_w = min(22, slot / 3)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
             f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="{GRID}"/>',
             f'<rect x="{left}" y="4" width="10" height="10" fill="{BAR}"/><text x="{left + 14}" y="13" '
             f'font-size="12" fill="{MUTED}">{escape(legend[0])}</text>',
             f'<rect x="{left + 110}" y="4" width="10" height="10" fill="{BAR_2}"/><text x="{left + 124}" y="13" '
             f'font-size="12" fill="{MUTED}">{escape(legend[1])}</text>']
    for i, (month, a, b) in enumerate(points):
        x = left + i * slot + slot / 2
        for offset, value, colour in ((-bar_w - 1, a, BAR), (1, b, BAR_2)):
            h = plot_h * value / top_value
            parts.append(f'<rect x="{x + offset:.1f}" y="{height - bottom - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(month)}: {value}</title></rect>')
            parts.append(f'<text x="{x + offset + bar_w / 2:.1f}" y="{height - bottom - h - 3:.1f}" font-size="10" '
                         f'fill="{MUTED}" text-anchor="middle">{value}</text>')
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" font-size="11" fill="{INK}" text-anchor="middle">'
                     f'{escape(month)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
