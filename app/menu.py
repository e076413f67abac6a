"""The counts the menu shows on every staff page (unread messages, the pool, waiting extensions and remediations),
read in one statement: on PostgreSQL each statement is a round trip, and a supervisor's page ran four for them."""
from sqlalchemy import select

from app.extensions import db
from app.supervision.notify import unread_count_query
from app.supervision.services import pending_extension_query
from app.tickets.remediation import open_count_query
from app.tickets.routing import pool_count_query


def menu_counts(user, with_pool=True) -> dict:
    """The menu's counts for `user`: "unread" for everyone, "pool" for secretaries and supervisors (unless
    `with_pool` is off: the page counted it already), "extensions" and "remediations" for supervisors."""
    if user is None or not user.is_authenticated:
        return {}
    columns = {"unread": unread_count_query(user)}
    if with_pool and (user.is_secretary or user.is_supervisor):
        columns["pool"] = pool_count_query()
    if user.is_supervisor:
        columns["extensions"] = pending_extension_query()
        columns["remediations"] = open_count_query()
    row = db.session.execute(select(*(query.scalar_subquery().label(name) for name, query in columns.items()))).one()
    return row._asdict()
