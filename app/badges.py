"""The state and deadline badges of every case row, built in Python: a list of 50 rows shows a hundred of them,
and calling a Jinja macro for each cost more than the rest of the cell. Written with `escape` and f-strings:
`Markup.format` (string.Formatter) cost three to four times as much per badge, about 150 of them a list."""
from markupsafe import Markup, escape

from app.display import due_text, sla_badge
from app.translate import gettext as _


def state_badge(ticket) -> Markup:
    """A case's state as a coloured badge."""
    state = ticket.state_enum
    return Markup(f'<span class="badge state state-{escape(ticket.state)} text-bg-{escape(state.css)}">'
                  f'{escape(state.label)}</span>')


def due_badge(ticket, now) -> Markup:
    """A case's (or a queue part's) nearest deadline as a badge coloured by its level, in its clock's own unit,
    with the due time on hover, and 督办件 beside it when the case is supervised."""
    css, text = sla_badge(ticket, now)
    title = f' title="{escape(_("到期时间"))} {escape(due_text(ticket.due_at))}"' if ticket.due_at else ""
    badge = f'<span class="badge due text-bg-{escape(css)}"{title}>{escape(text)}</span>'
    if ticket.supervised_at:
        badge += (' <span class="badge text-bg-danger-subtle border border-danger-subtle text-danger-emphasis">'
                  f'{escape(_("督办件"))}</span>')
    return Markup(badge)
