"""Form building blocks shared by the public and staff forms."""
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
