"""Loading and authenticating staff accounts."""
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.clock import utcnow
from app.extensions import db
from app.models import User

# Checked against when the username is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def load_user(session_id: str):
    """Flask-Login loader: the session id is "<user id>:<session version>"."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def authenticate(username: str, password: str):
    """The active user with this username and password, or None (same work whether or not it exists)."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))
    if user is None:
        from werkzeug.security import check_password_hash
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.is_active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user
