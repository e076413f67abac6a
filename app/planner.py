"""A PostgreSQL planner setting changed for a few statements of the request's transaction, where measurement showed
the planner's choice to be the slow one; nothing happens on SQLite."""
from contextlib import contextmanager

from sqlalchemy import text

from app.extensions import db


@contextmanager
def postgres_setting(name: str, value: str, when: bool = True):
    """Run the block with PostgreSQL's setting `name` at `value` (when `when`), restored afterwards."""
    if not when or db.engine.dialect.name != "postgresql":
        yield
        return
    before = db.session.scalar(text("SELECT current_setting(:n)"), {"n": name})
    db.session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    yield
    # Not in a finally: had a statement failed, the transaction is aborted and the setting (local to it) gone
    # with it; there is nothing to restore, and the error is the one raised.
    db.session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": before})
