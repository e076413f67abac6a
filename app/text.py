"""The one check for free text given to a service: trimmed, present when required, bounded, no NUL."""
from flask_babel import gettext as _

from app.errors import ValidationFailed


def clean_text(value, label, max_len=5000, required=True) -> str:
    """Return the trimmed text or raise ValidationFailed with a message naming the field."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("请填写%(label)s。", label=label))
    if len(value) > max_len:
        raise ValidationFailed(_("%(label)s不能超过 %(n)d 字。", label=label, n=max_len))
    if "\x00" in value:
        raise ValidationFailed(_("%(label)s含有无效字符。", label=label))
    return value
