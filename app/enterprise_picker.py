"""The enterprise picker of the staff forms (a case, a visit, a project, a 代办 procedure).

A centre registers tens of thousands of companies: 20,000 options took 0.7-1.1 s to render on every form and are
no list a person can use on a phone. The list offers a secretary her own companies (those she is 联系秘书 of),
anyone else the most recently registered, and always the one chosen; a search box above it narrows it by name or
credit code as one types (htmx, `/enterprises/options`); without JavaScript its 查找 button reloads the form with
the list narrowed."""
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Enterprise
from app.text import escape_like

PICKER_SIZE = 50
QUERY_MAX = 60


def picker_page(user, chosen=(), q: str = "") -> tuple[list, bool]:
    """(enterprises, more): at most PICKER_SIZE to choose from, by name, and whether more would have matched.
    Those matching `q` (name or credit code); else the person's own (a secretary's), or, for anyone else or a
    secretary with none yet, the most recently registered. The enterprises with the ids in `chosen` come first
    whether or not they are among them."""
    q = (q or "").strip()[:QUERY_MAX]

    def first(query):
        return db.session.scalars(query.limit(PICKER_SIZE + 1)).all()

    if q:
        pattern = f"%{escape_like(q)}%"
        rows = first(select(Enterprise).where(or_(Enterprise.name.ilike(pattern, escape="\\"),
                                                  Enterprise.credit_code.ilike(pattern, escape="\\")))
                     .order_by(Enterprise.name))
    else:
        rows = first(select(Enterprise).where(Enterprise.secretary_id == user.id).order_by(Enterprise.name)) \
            if user.is_secretary else []
        if not rows:
            rows = first(select(Enterprise).order_by(Enterprise.id.desc()))
    more = len(rows) > PICKER_SIZE
    rows = sorted(rows[:PICKER_SIZE], key=lambda e: e.name)
    shown = {e.id for e in rows}
    picked = [i for i in dict.fromkeys(chosen) if i is not None and i not in shown]
    if picked:
        rows = db.session.scalars(select(Enterprise).where(Enterprise.id.in_(picked))).all() + rows
    return rows, more


def picker_enterprises(user, chosen=(), q: str = "") -> list:
    """The enterprises a staff form offers (see picker_page)."""
    return picker_page(user, chosen, q)[0]
