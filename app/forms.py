"""Form building blocks shared by the public and staff forms."""
from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from app.errors import ServiceError
from app.extensions import db
from app.validators import positive_id


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
    return positive_id((source if source is not None else request.values).get(name))


def page_arg() -> int:
    """The page of a list asked for in the query string: 1 when absent or not a page number, at most 100,000 (a
    page past the last is the list's to clamp)."""
    return min(id_arg("page", request.args) or 1, 100_000)


@dataclass
class Refusal:
    """Why a verb run from a form did not happen: the message to show and the HTTP status to answer with."""

    message: str
    status: int


def first_error(form) -> str:
    """The first validation message of a form, or a general one."""
    return next((str(e) for errors in form.errors.values() for e in errors), _l("请检查填写的内容。"))


def run_form_verb(form, verb) -> Refusal | None:
    """Validate `form`, then call `verb()` (a service verb, which commits). None when it ran; otherwise the
    refusal: 400 with the form's first error, or the service error's own status and message, with the session
    rolled back so that nothing half-written stays."""
    if not form.validate_on_submit():
        return Refusal(str(first_error(form)), 400)
    try:
        verb()
    except ServiceError as exc:
        db.session.rollback()
        return Refusal(exc.message, exc.status)
    return None


def prefix_ids(form, prefix: str):
    """Give every field of `form` the id "<prefix>-<name>" (its label follows), so that several forms on one page
    never share an id; the names the server reads stay as they are."""
    for f in form:
        f.id = f"{prefix}-{f.name}"
        f.label.field_id = f.id
    return form
