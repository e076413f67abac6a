"""The state and deadline badges of every case row, built in Python: a list of 50 rows shows a hundred of them,
and calling a Jinja macro for each cost more than the rest of the cell."""
from flask_babel import gettext as _
from markupsafe import Markup

from app.display import due_text, sla_badge

_STATE = Markup('<span class="badge state state-{0} text-bg-{1}">{2}</span>')
_DUE = Markup('<span class="badge due text-bg-{0}"{1}>{2}</span>')
_DUE_TITLE = Markup(' title="{0} {1}"')
_SUPERVISED = Markup(' <span class="badge text-bg-danger-subtle border border-danger-subtle text-danger-emphasis">'
                     '{0}</span>')


def state_badge(ticket) -> Markup:
    """A case's state as a coloured badge."""
    state = ticket.state_enum
    return _STATE.format(ticket.state, state.css, state.label)


def due_badge(ticket, now) -> Markup:
    """A case's (or a queue part's) nearest deadline as a badge coloured by its level, in its clock's own unit,
    with the due time on hover, and 督办件 beside it when the case is supervised."""
    css, text = sla_badge(ticket, now)
    title = _DUE_TITLE.format(_("到期时间"), due_text(ticket.due_at)) if ticket.due_at else ""
    badge = _DUE.format(css, title, text)
    return badge + _SUPERVISED.format(_("督办件")) if ticket.supervised_at else badge
