"""Reference data offered on forms and filters."""
from sqlalchemy import select

from app.extensions import db
from app.models import Category, Department


def active_departments():
    """Departments that can be chosen for dispatch and filters."""
    return db.session.scalars(select(Department).where(Department.is_active.is_(True)).order_by(Department.id)).all()


def active_categories():
    """Categories that can be chosen on forms and filters."""
    return db.session.scalars(select(Category).where(Category.is_active.is_(True)).order_by(Category.id)).all()
