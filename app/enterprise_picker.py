"""The enterprise picker of the staff forms (a case, a visit, a project, a 代办 procedure).

A centre registers tens of thousands of companies: 20,000 options took 0.7-1.1 s to render on every form and are
no list a person can use on a phone. The list offers a secretary her own companies (those she is 联系秘书 of),
anyone else the most recently registered, and always the one chosen; a search box above it narrows it by name or
credit code as one types (htmx, `/enterprises/options`). Without JavaScript, typing a registered company's name
and credit code as a new one still files the case under it (intake.known_enterprise)."""
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Enterprise
from app.text import escape_like, is_digits

PICKER_SIZE = 50
QUERY_MAX = 60


def chosen_id(value) -> int | None:
    """The enterprise id a form or query string names (None: none, or not an id)."""
    value = str(value or "")
    return int(value) if is_digits(value) and len(value) < 10 else None


def picker_enterprises(user, chosen=None, q: str = "") -> list:
    """At most PICKER_SIZE enterprises to choose from, by name: those matching `q` (name or credit code), else the
    person's own (a secretary) or the most recently registered; the enterprise with id `chosen` first when it
    exists, whether or not it is among them."""
    q = (q or "").strip()[:QUERY_MAX]
    query = select(Enterprise)
    if q:
        pattern = f"%{escape_like(q)}%"
        query = query.where(or_(Enterprise.name.ilike(pattern, escape="\\"),
                                Enterprise.credit_code.ilike(pattern, escape="\\"))).order_by(Enterprise.name)
    elif user.is_secretary:
        query = query.where(Enterprise.secretary_id == user.id).order_by(Enterprise.name)
    else:
        query = query.order_by(Enterprise.id.desc())
    rows = sorted(db.session.scalars(query.limit(PICKER_SIZE)).all(), key=lambda e: e.name)
    if chosen is not None and all(e.id != chosen for e in rows):
        picked = db.session.get(Enterprise, chosen)
        if picked is not None:
            rows.insert(0, picked)
    return rows
