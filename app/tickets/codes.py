"""Tracking numbers and access codes. Only hashes of codes are stored."""
import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

from sla.calendar import SHANGHAI

CODE_CHARS = 28  # base32 characters: 140 bits


def new_submission_key() -> str:
    """A random key for one form: resubmitting the same form finds the same ticket."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """SHA-256 hex digest of a string (used for keys and codes, which are long random values)."""
    return hashlib.sha256(value.encode()).hexdigest()


def access_code_for(submission_key: str) -> str:
    """The access code derived from a form's submission key, grouped for reading aloud."""
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), submission_key.encode(), hashlib.sha256).digest()
    raw = base64.b32encode(mac).decode()[:CODE_CHARS]
    return "-".join(raw[i:i + 4] for i in range(0, CODE_CHARS, 4))


def normalize_code(code: str) -> str:
    """Strip separators and spaces and upper-case, as people retype codes."""
    return re.sub(r"[^A-Za-z0-9]", "", code or "").upper()


def code_hash(code: str) -> str:
    """The stored form of an access code."""
    return digest(normalize_code(code))


def code_matches(code: str, stored_hash: str | None) -> bool:
    """Constant-time comparison of a typed code with a stored hash; empty codes never match."""
    typed = normalize_code(code)
    if not stored_hash or len(typed) != CODE_CHARS:
        hmac.compare_digest(digest(typed), "0" * 64)  # same work either way
        return False
    return hmac.compare_digest(digest(typed), stored_hash)


def tracking_number(ticket) -> str:
    """JJ-<year>-<id, at least six digits>: the year of submission in Beijing time and the ticket's id."""
    year = ticket.created_at.astimezone(SHANGHAI).year
    return f"JJ-{year}-{ticket.id:06d}"


def normalize_number(number: str) -> str:
    """Upper-case a typed tracking number and drop spaces."""
    return re.sub(r"\s+", "", number or "").upper()[:20]
