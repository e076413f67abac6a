"""Signing as the well-known providers do (Stripe, Standard Webhooks): the receiver recomputes an HMAC-SHA256
of "<timestamp>.<body>" with the endpoint's secret, compares in constant time and rejects old timestamps."""
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh endpoint secret (256 bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: str) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" under the secret."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: str) -> str:
    """The X-Jianjian-Signature header: t=<unix seconds>,v1=<hex>."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header_value: str, body: str, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (README): parse the header, recompute, compare in constant time, check the age."""
    parts = dict(p.split("=", 1) for p in header_value.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, parts.get("v1", "")) and abs(now - timestamp) <= tolerance
