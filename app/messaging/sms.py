"""The SMS channel behind one small interface: a gateway takes a mobile number and a text and answers with the
message id it gave, or raises `SmsRefused` (this message can never go: given up) or `SmsNotSent` (a passing
trouble: retried with back-off by the outbox).

The HTTP gateway speaks the shape most Chinese SMS platforms (and their in-house proxies) accept:

    POST {SMS_GATEWAY_URL}
    Authorization: Bearer {SMS_GATEWAY_KEY}
    Content-Type: application/json; charset=utf-8
    {"mobile": "13812345678", "content": "【企业服务中心】您的诉求…", "request_id": "jj-42"}

    2xx {"code": 0, "message_id": "…"}   accepted; the id is kept on the outbox row
    2xx {"code": <not 0>, "message": …}  not accepted this time: retried
    400, 410, 413, 422                   the gateway refuses this message for good (a number it cannot reach,
                                         a text it rejects): given up at once, the answer kept for the admin
    anything else (401/403 key or quota, 408, 429, 5xx, no answer)   retried: an admin or the operator fixes it

`request_id` is the same on every try of one outbox row, so a gateway that saw a try whose answer was lost can
drop the repeat: with the outbox marking a row sent once, no message goes twice.
"""
import json
import urllib.error
import urllib.request
from typing import Protocol

PERMANENT_STATUSES = frozenset({400, 410, 413, 422})
SINGLE_SMS_CHARS = 70   # one SMS holds 70 Chinese characters (UCS-2) …
SEGMENT_CHARS = 67      # … a longer one is sent in parts of 67


class SmsRefused(Exception):
    """The gateway refused this message for good: sending it again would fail the same way."""


class SmsNotSent(Exception):
    """The message did not go this time (gateway down, busy, key or quota trouble): try again later."""


class SmsGateway(Protocol):
    """What the outbox needs of an SMS gateway."""

    def send(self, mobile: str, text: str, *, request_id: str | None = None) -> str:
        """Send `text` to `mobile`; return the gateway's message id, or raise SmsRefused / SmsNotSent."""


class HttpSmsGateway:
    """An SMS gateway reached by posting JSON to a URL with an API key (see the module's docstring)."""

    def __init__(self, url: str, api_key: str, timeout: float = 10):
        self.url, self.api_key, self.timeout = url, api_key, timeout

    def send(self, mobile: str, text: str, *, request_id: str | None = None) -> str:
        """Post one message; the answer decides between an id, SmsRefused and SmsNotSent."""
        payload = {"mobile": mobile, "content": text}
        if request_id:
            payload["request_id"] = request_id
        request = urllib.request.Request(self.url, data=json.dumps(payload, ensure_ascii=False).encode(), headers={
            "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.api_key}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (admin-set URL)
                body = response.read()
        except urllib.error.HTTPError as exc:
            detail = _short(exc.read())
            if exc.code in PERMANENT_STATUSES:
                raise SmsRefused(f"HTTP {exc.code} {detail}".strip()) from exc
            raise SmsNotSent(f"HTTP {exc.code} {detail}".strip()) from exc
        except (OSError, ValueError) as exc:  # refused connection, timeout, bad URL …
            raise SmsNotSent(f"{type(exc).__name__}: {exc}") from exc
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        # A 2xx says the gateway took the message; only an explicit non-zero code says it did not.
        if answer.get("code", 0) not in (0, "0"):
            raise SmsNotSent(f"gateway answered {_short(body)}")
        return str(answer.get("message_id") or answer.get("id") or "")[:100]


def _short(body: bytes) -> str:
    """A gateway's answer as an admin reads it: its code and message when it is JSON, else the first 300 bytes."""
    text = (body or b"").decode("utf-8", "replace")
    try:
        answer = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(answer, dict):
        message = answer.get("message") or answer.get("msg") or answer.get("errmsg") or ""
        return f"{answer.get('code', '')} {message}".strip()[:300] or text[:300]
    return text[:300]


def configured_gateway(config) -> SmsGateway | None:
    """The gateway the settings name, or None when no SMS gateway is configured."""
    url = config.get("SMS_GATEWAY_URL")
    return HttpSmsGateway(url, config.get("SMS_GATEWAY_KEY", "")) if url else None


def signed(text: str, config) -> str:
    """The SMS as the phone shows it: the registered signature, then the text on one line."""
    signature = config.get("SMS_SIGNATURE", "")
    text = " ".join((text or "").split())
    return text if not signature or text.startswith(signature) else f"{signature}{text}"


def segments(text: str) -> int:
    """How many SMS a text takes: one up to 70 characters, then parts of 67."""
    n = len(text)
    return 1 if n <= SINGLE_SMS_CHARS else -(-n // SEGMENT_CHARS)
