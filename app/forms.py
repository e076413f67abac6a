"""Form building blocks shared by the public and staff forms."""
from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError


def no_nul(form, field):
    """Refuse NUL bytes and other control characters that have no place in text."""
    value = field.data or ""
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\r\n\t" for c in value):
        raise ValidationError(_l("含有无效字符。"))


def strip(value):
    """Trim surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value


def id_arg(name: str, source=None) -> int | None:
    """A positive id from the query string or form, or None: anything else (text, 10**30) is ignored."""
    raw = (source if source is not None else request.values).get(name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None
