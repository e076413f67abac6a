"""A small HTTP client for load tests: one keep-alive connection and its cookies, like one browser."""
import http.client
import re
import time
import urllib.parse
from http.cookies import SimpleCookie

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KEY_RE = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')
NUMBER_RE = re.compile(r'id="tracking-number">(JJ-\d{4}-\d{6,})<')


class Browser:
    """Keeps a connection and a cookie jar; every call returns (status, body text, seconds)."""

    def __init__(self, base: str, timeout: float = 60):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies: dict[str, str] = {}
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def request(self, method, path, form=None, headers=None):
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        hdrs = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=hdrs)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # the worker recycled the keep-alive connection: reconnect once
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, text, time.perf_counter() - start

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def submit_form(category_id: int, n: int, html: str) -> dict:
    """A valid enterprise submission built from the page just fetched (its CSRF token and one-time key)."""
    return {"csrf_token": CSRF_RE.search(html).group(1), "submission_key": KEY_RE.search(html).group(1),
            "enterprise_name": f"苏州压测企业{n % 50}有限公司", "credit_code": "91350100M000100Y43",
            "contact_name": "压测", "mobile": "13800000000", "category_id": str(category_id), "urgency": "normal",
            "title": f"压力测试诉求 {n}", "description": "这是一条用于压力测试的诉求，内容足够长。"}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0
