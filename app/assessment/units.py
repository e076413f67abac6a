"""The scored units, secretaries and departments, as people read them."""
from app.assessment.metrics import DEPARTMENT
from app.extensions import db
from app.models import Department, User


def unit_name(kind: str, unit_id: int) -> str:
    """A secretary's or department's name."""
    row = db.session.get(Department if kind == DEPARTMENT else User, unit_id)
    if row is None:
        return "—"
    return row.name if kind == DEPARTMENT else row.display_name
