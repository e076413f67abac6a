"""Loading and authenticating staff accounts, and the server-side record of each signed-in browser."""
import hashlib
import secrets

from flask import session
from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from app.timesource import utcnow
from app.extensions import db
from app.models import LoginSession, User

SESSION_KEY = "_jj_sk"  # the random key in the signed cookie that names this browser's LoginSession

# Checked against when the username is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def load_user(session_id: str):
    """Flask-Login loader: the session id is "<user id>:<session version>"."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except (ValueError, AttributeError):
        return None
    key = session.get(SESSION_KEY)
    if not isinstance(key, str) or not key:
        return None  # never started by a login
    # The account and its open browser session in one statement: every page of every person runs it.
    open_session = select(LoginSession.id).where(LoginSession.key_hash == _hash(key), LoginSession.user_id == User.id,
                                                LoginSession.ended_at.is_(None)).exists()
    user = db.session.scalar(select(User).where(User.id == user_id, open_session))
    if user is None or user.session_version != version or not user.is_active:
        return None  # ended by logout (a copied cookie stops working), signed out everywhere, or deactivated
    return user


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user) -> None:
    """Record a new signed-in browser for `user` and put its key in the (already cleared) session."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, key_hash=_hash(key), created_at=utcnow()))
    db.session.commit()
    session[SESSION_KEY] = key


def end_session() -> None:
    """Mark this browser's session ended on the server, so its cookie no longer signs anyone in."""
    key = session.get(SESSION_KEY)
    if isinstance(key, str) and key:
        db.session.execute(update(LoginSession).where(LoginSession.key_hash == _hash(key),
                                                      LoginSession.ended_at.is_(None)).values(ended_at=utcnow()))
        db.session.commit()


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
