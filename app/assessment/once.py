"""Saving what may exist only once (an exclusion, an appeal, an evaluation) when the same request comes twice."""
from sqlalchemy.exc import IntegrityError

from app.errors import EditConflict
from app.extensions import db


def commit_once(message):
    """Commit; if the same request ran twice at once, the unique key keeps one and the other is a conflict."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise EditConflict(message) from exc
