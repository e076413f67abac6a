"""The one check for free text given to a service: trimmed, present when required, bounded, no NUL; and, for
one-line fields (titles, names, subjects), no line break.

A line break in a one-line field ends up in places that cannot hold one: an email's Subject header (Python's
email library refuses it, so the message could never leave), a table cell, a file name. `single_line` refuses it
with a clear message; `one_line` flattens text already stored before the check existed.
"""
import re

from flask_babel import gettext as _
from wtforms import ValidationError

from app.errors import ValidationFailed

# Everything str.splitlines() breaks on (and so everything the email library refuses in a header), and the
# other control characters: none belongs in a one-line field.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def is_digits(value) -> bool:
    """The text is one or more ASCII digits 0–9: what `int()` takes as an id, a code or a score. str.isdigit() also
    says yes to "²" or "①", which int() refuses (a fuzzed form found it: a 500)."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def escape_like(text: str) -> str:
    """The text with LIKE's wildcards escaped (use with escape="\\"): a typed % or _ matches itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def has_line_break(value) -> bool:
    """Whether the text would be more than one line anywhere (as str.splitlines() sees it)."""
    return isinstance(value, str) and any(c in _LINE_BREAKS for c in value)


def one_line(value) -> str:
    """The text on one line: line breaks and control characters become single spaces."""
    return _BREAKS.sub(" ", value or "").strip()


def _one_line_message(label):
    return _("%(label)s不能换行，请写成一行。", label=label)


def clean_text(value, label, max_len=5000, required=True, single_line=False) -> str:
    """Return the trimmed text or raise ValidationFailed with a message naming the field."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("请填写%(label)s。", label=label))
    if len(value) > max_len:
        raise ValidationFailed(_("%(label)s不能超过 %(n)d 字。", label=label, n=max_len))
    if "\x00" in value:
        raise ValidationFailed(_("%(label)s含有无效字符。", label=label))
    if single_line and has_line_break(value):
        raise ValidationFailed(_one_line_message(label))
    return value


def single_line(form, field):
    """WTForms validator for one-line fields (titles, names, subjects): a line break is refused, by name."""
    if has_line_break(field.data):
        raise ValidationError(_one_line_message(field.label.text))
