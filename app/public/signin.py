"""An enterprise signs in with a mobile number and a one-time SMS code: no password, no account.

A code is 6 digits, valid 5 minutes, good for 5 tries; asking again voids the one before. Only an HMAC of it
(keyed with SECRET_KEY, bound to the number) is stored and it is compared in constant time. A number may ask at
most once a minute and 5 times an hour, counted in the database so the limit holds across web workers (one
number's requests queue on a lock); the web form adds a limit per address (SIGNIN_CODE_RATE_LIMIT).

Asking for a code answers the same for a number no enterprise has: the same page, the same limits, a code row
written alike (its code is simply never sent). Whether a number is known is looked up either way; the SMS
itself leaves after the answer has gone (the view hands it to the response's close), so the time the gateway
takes shows in neither answer.

A signed-in browser holds a random key in its session cookie, under its own name (staff sessions are
untouched); the server keeps the key's hash with the number (EnterpriseSession). It ends on signing out, after
2 hours without a request, or 12 hours after signing in; signing in again starts a new one."""
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, session
from flask_babel import gettext as _
from sqlalchemy import delete, select, text, update

from app.display import local
from app.errors import TooOften, ValidationFailed
from app.extensions import db
from app.models import EnterpriseSession, SigninCode
from app.tickets.codes import digest
from app.validators import is_valid_mobile
from app.text import is_digits

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)
CODES_PER_HOUR = 5
IDLE_LIMIT = timedelta(hours=2)
SESSION_LIMIT = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=1)  # how stale `seen_at` may get before a request writes it again
KEEP = timedelta(days=1)  # codes and sessions older than this are deleted

SESSION_KEY = "_jj_enterprise"         # this browser's enterprise session key (staff use _jj_sk)
PENDING_KEY = "_jj_enterprise_mobile"  # the number a code was last asked for in this browser
_CODE_LABEL = b"signin-code\x00"


def normalize_mobile(value: str) -> str:
    """A typed mobile number as stored: spaces and hyphens dropped, a leading +86 or 86 removed."""
    number = re.sub(r"[\s-]", "", value or "")
    return re.sub(r"^(?:\+?86)(?=1\d{10}$)", "", number)


def normalize_code(value: str) -> str:
    """A typed code: its digits, spaces dropped (people copy it with a space)."""
    return re.sub(r"\s", "", value or "")


def _code_hash(mobile: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _CODE_LABEL + f"{mobile}\x00{code}".encode(), hashlib.sha256).hexdigest()


def _lock(mobile: str) -> None:
    """Queue this number's requests one behind the other until the transaction ends. SQLite writers already
    queue (BEGIN IMMEDIATE); PostgreSQL takes a transaction-level advisory lock named after the number."""
    if db.engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(b"jj-signin:" + mobile.encode()).digest()[:8], "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _clock_text(moment: datetime) -> str:
    return local(moment, "%H:%M")


def issue_code(mobile: str, now: datetime) -> str:
    """Write a new code for `mobile` (voiding the one before) and return it, unless the number asked too
    recently (TooOften, saying when to ask again). Done alike for a number no enterprise has: the caller sends
    the code only to a known one."""
    if not is_valid_mobile(mobile):
        raise ValidationFailed(_("请填写 11 位手机号码，例如 13812345678。"))
    _lock(mobile)
    recent = db.session.scalars(select(SigninCode.created_at).where(
        SigninCode.mobile == mobile, SigninCode.created_at > now - timedelta(hours=1))
        .order_by(SigninCode.created_at)).all()
    if recent and now - recent[-1] < RESEND_AFTER:
        wait = math.ceil((recent[-1] + RESEND_AFTER - now).total_seconds())
        db.session.rollback()
        raise TooOften(_("验证码刚刚发送过，请 %(n)d 秒后再重新获取。", n=wait))
    if len(recent) >= CODES_PER_HOUR:
        again = recent[-CODES_PER_HOUR] + timedelta(hours=1)
        db.session.rollback()
        raise TooOften(_("该手机号 1 小时内已获取 %(n)d 次验证码，请于 %(at)s 后再试。", n=CODES_PER_HOUR,
                         at=_clock_text(again)))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    db.session.add(SigninCode(mobile=mobile, code_hash=_code_hash(mobile, code), created_at=now,
                              expires_at=now + CODE_LIFETIME, tries=0))
    _purge(now)
    db.session.commit()
    return code


def _purge(now: datetime) -> None:
    db.session.execute(delete(SigninCode).where(SigninCode.created_at < now - KEEP))
    db.session.execute(delete(EnterpriseSession).where(EnterpriseSession.created_at < now - KEEP))


def check_code(mobile: str, typed: str, now: datetime) -> None:
    """Spend one try of the number's latest code; return when `typed` is that code (it is used up), else raise
    ValidationFailed saying what to do: ask for a code, ask for a new one, or try again (with the tries left)."""
    code = normalize_code(typed)
    if not is_valid_mobile(mobile):
        raise ValidationFailed(_("请填写 11 位手机号码，例如 13812345678。"))
    if not (len(code) == CODE_DIGITS and is_digits(code)):
        raise ValidationFailed(_("请输入短信中的 6 位数字验证码。"))
    _lock(mobile)
    row = db.session.scalar(select(SigninCode).where(SigninCode.mobile == mobile)
                            .order_by(SigninCode.id.desc()).limit(1))
    typed_hash = _code_hash(mobile, code)
    if row is None:
        hmac.compare_digest(typed_hash, "0" * 64)  # the same work as a comparison
        db.session.rollback()
        raise ValidationFailed(_("请先获取验证码。"))
    if row.used_at is not None or row.expires_at <= now:
        db.session.rollback()
        raise ValidationFailed(_("验证码已失效（有效期 5 分钟，且只能使用一次），请重新获取。"))
    # Count the try before comparing, in one statement: two tries at once cannot both spend the last one.
    spent = db.session.execute(update(SigninCode).where(
        SigninCode.id == row.id, SigninCode.tries < MAX_TRIES, SigninCode.used_at.is_(None))
        .values(tries=SigninCode.tries + 1)).rowcount
    if not spent:
        db.session.rollback()
        raise ValidationFailed(_("验证码输入错误次数过多，请重新获取验证码。"))
    if hmac.compare_digest(typed_hash, row.code_hash):
        db.session.execute(update(SigninCode).where(SigninCode.id == row.id).values(used_at=now))
        db.session.commit()
        return
    db.session.commit()
    left = MAX_TRIES - db.session.scalar(select(SigninCode.tries).where(SigninCode.id == row.id))
    if left <= 0:
        raise ValidationFailed(_("验证码不正确，已连续输错 %(n)d 次，请重新获取验证码。", n=MAX_TRIES))
    raise ValidationFailed(_("验证码不正确，还可再试 %(n)d 次。", n=left))


# ---- the signed-in browser ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Holder:
    """Whoever this browser signed in as: a mobile number that passed its code."""

    mobile: str
    session_id: int


def start_session(mobile: str, now: datetime) -> None:
    """Sign this browser in as `mobile`: the enterprise session it had before (if any) is ended and a new key is
    issued, so a key planted or copied earlier opens nothing. Staff sign-in and unlocked cases are untouched."""
    end_session(now)
    key = secrets.token_urlsafe(32)
    db.session.add(EnterpriseSession(mobile=mobile, key_hash=digest(key), created_at=now, seen_at=now))
    db.session.commit()
    session.pop("csrf_token", None)  # a new form token for the signed-in pages
    session.pop(PENDING_KEY, None)
    session[SESSION_KEY] = key
    session.permanent = True  # survives closing the browser, within the 12 hours
    g.pop("jj_enterprise_holder", None)


def end_session(now: datetime) -> None:
    """Sign this browser out, on the server too: a copy of its cookie no longer opens anything."""
    key = session.pop(SESSION_KEY, None)
    g.pop("jj_enterprise_holder", None)
    if isinstance(key, str) and key:
        db.session.execute(update(EnterpriseSession).where(
            EnterpriseSession.key_hash == digest(key), EnterpriseSession.ended_at.is_(None)).values(ended_at=now))
        db.session.commit()


def _open(row: EnterpriseSession | None, now: datetime) -> bool:
    return (row is not None and row.ended_at is None and now - row.seen_at < IDLE_LIMIT
            and now - row.created_at < SESSION_LIMIT)


def current_holder(now: datetime) -> Holder | None:
    """The number this browser is signed in as, or None (never signed in, signed out, idle 2 hours, or 12 hours
    old). Remembered for the request; a request more than a minute after the last one refreshes `seen_at`."""
    if "jj_enterprise_holder" in g:
        return g.jj_enterprise_holder
    key = session.get(SESSION_KEY)
    holder = None
    if isinstance(key, str) and key:
        row = db.session.scalar(select(EnterpriseSession).where(EnterpriseSession.key_hash == digest(key)))
        if _open(row, now):
            holder = Holder(row.mobile, row.id)
            if now - row.seen_at >= SEEN_EVERY:
                db.session.commit()  # end the read first: the write below then starts its own transaction
                db.session.execute(update(EnterpriseSession).where(EnterpriseSession.id == row.id)
                                   .values(seen_at=now))
                db.session.commit()
        else:
            session.pop(SESSION_KEY, None)
    g.jj_enterprise_holder = holder
    return holder
