"""Staff accounts, departments and categories."""
from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.enums import Role
from app.extensions import db
from app.models.types import UTCDateTime


class Department(db.Model):
    """A zone department (部室 / 委办局) that tickets are dispatched to."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self):
        return f"<Department {self.name}>"


class Category(db.Model):
    """A kind of enterprise problem (政策咨询, 项目审批 …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(UserMixin, db.Model):
    """A staff account: secretary, department officer, supervisor or admin."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    email: Mapped[str] = mapped_column(String(120), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    # The desk phone an enterprise may call: the tracking page and the receipt show a secretary's (never the mobile).
    office_phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    is_active_account: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    # Escalated cases go to the center director (中心主任), a supervisor with this flag.
    is_director: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on password change or disabling: old session cookies stop matching.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at = mapped_column(UTCDateTime)
    last_login_at = mapped_column(UTCDateTime)
    # When the person last opened their notification list: the bell counts only what arrived after it.
    notifications_seen_at = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.is_active_account)

    def get_id(self) -> str:
        """Session identifier: the id plus the session version, so a reset ends old sessions."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password and end existing sessions."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def role_enum(self) -> Role:
        """The role as an enum member."""
        return Role(self.role)

    def has_role(self, *roles: Role) -> bool:
        """Whether the user holds one of the given roles."""
        return self.role in {r.value for r in roles}

    @property
    def is_secretary(self):
        return self.role == Role.SECRETARY.value

    @property
    def is_officer(self):
        return self.role == Role.OFFICER.value

    @property
    def is_supervisor(self):
        return self.role == Role.SUPERVISOR.value

    @property
    def is_admin(self):
        return self.role == Role.ADMIN.value


class LoginSession(db.Model):
    """One signed-in browser: logging out ends it on the server, so a copied cookie stops working."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # SHA-256 of the random key kept in the signed session cookie; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    ended_at = mapped_column(UTCDateTime)
