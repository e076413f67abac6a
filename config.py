"""Settings read from the environment, with safe defaults for the embedded (SQLite) set-up."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("JJ_INSTANCE_DIR", BASE_DIR / "instance"))


def database_url(raw: str | None) -> str:
    """Return an SQLAlchemy URL, defaulting to SQLite under instance/ and psycopg 3 for PostgreSQL."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'jianjian.db'}"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://"):]
    return raw


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEV_SECRET_KEY = "dev-only-not-secret"
# Keys that have been printed somewhere (this repo's defaults and examples): whoever reads them can forge a
# session cookie, so production refuses them however long they are.
KNOWN_PLACEHOLDER_KEYS = frozenset({
    DEV_SECRET_KEY, "test-secret-key",
    "change-me-to-64-random-characters-from-python-secrets-token-urlsafe",
})
# Words that mark a key as typed by a person or copied from an example rather than generated.
_PLACEHOLDER_WORDS = ("change", "example", "placeholder", "replace", "secret", "random", "password", "dev-only",
                      "jianjian", "token")
MIN_SECRET_BITS = 128


def secret_key_problem(key, name="SECRET_KEY", min_length=32, min_bits=MIN_SECRET_BITS) -> str | None:
    """Why `key` cannot guard production (a known placeholder, too short or too little entropy), or None.

    Entropy is estimated from the key's own character frequencies (Shannon bits per character × length):
    `secrets.token_urlsafe(32)` scores about 200 bits, `secrets.token_hex(32)` about 250, a repeated or
    patterned string almost nothing."""
    import math
    from collections import Counter
    if not key or key in KNOWN_PLACEHOLDER_KEYS:
        return f"{name} is empty or a published placeholder"
    if len(key) < min_length:
        return f"{name} must be at least {min_length} characters"
    lowered = key.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return f"{name} looks like a placeholder or a phrase, not a generated value"
    counts = Counter(key)
    bits = abs(sum(n / len(key) * math.log2(n / len(key)) for n in counts.values()) * len(key))
    # Keyboard runs ("abcdef…", "123456…", "aaaa…") have many distinct characters but follow a pattern.
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in zip(key, key[1:]))
    if bits < min_bits or len(counts) < 12 or steps > len(key) // 2:
        return f"{name} has too little entropy (about {bits:.0f} bits; at least {min_bits} needed)"
    return None


def instance_secret_key() -> str:
    """The SECRET_KEY when none is set: one generated for this instance and kept (mode 0600) beside the SQLite
    file, so a development or demo server never signs sessions with a key printed in the source. Production
    must set SECRET_KEY itself (every web host needs the same one): check_production refuses this one."""
    import secrets
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = INSTANCE_DIR / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic and never overwrites: two workers starting at once agree on one key
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


class Config:
    """Application settings; every value can be overridden by an environment variable of the same name."""

    # "production" turns on the start-up checks (a real SECRET_KEY, no debug) and secure cookies.
    ENV = os.environ.get("JJ_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # None: generated per instance (create_app), never in production
    # How many reverse proxies sit in front (nginx: 1); their X-Forwarded-* headers are then trusted.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    # Per file and per request limits for enterprise and staff uploads.
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 32 * 1024 * 1024))
    MAX_FILES_PER_SUBMISSION = 5

    # Rate limits (Flask-Limiter). Use redis://127.0.0.1:6379 when several web workers share limits.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    SUBMIT_RATE_LIMIT = os.environ.get("SUBMIT_RATE_LIMIT", "10 per minute; 100 per day")
    TRACK_RATE_LIMIT = os.environ.get("TRACK_RATE_LIMIT", "20 per minute; 200 per day")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per 15 minutes")
    # An enterprise's SMS sign-in, per address: asking for codes, and typing them (each number also has its own
    # limits in the database: one code a minute, five an hour; five tries per code).
    SIGNIN_CODE_RATE_LIMIT = os.environ.get("SIGNIN_CODE_RATE_LIMIT", "5 per 10 minutes; 20 per day")
    SIGNIN_VERIFY_RATE_LIMIT = os.environ.get("SIGNIN_VERIFY_RATE_LIMIT", "10 per 10 minutes; 50 per day")
    # /api/v1, per token (requests without a valid token: per address), all resources together.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "中文", "en": "English"}
    TIMEZONE = "Asia/Shanghai"

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", os.environ.get("JJ_ENV") == "production")
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", 12 * 3600))

    PASSWORD_HASH_METHOD = "scrypt"
    PAGE_SIZE = 50

    # The SLA scheduler runs in exactly one process: the development server (SCHEDULER=1, as `make run` sets)
    # or `flask --app wsgi sla worker`. Web workers under gunicorn leave it off.
    SCHEDULER = _bool("SCHEDULER", False)
    # bench/run.py only: an X-Query-Count header on every response (see app/querycount.py).
    QUERY_COUNT_HEADER = _bool("QUERY_COUNT_HEADER", False)
    SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", 60))
    SWEEP_BATCH_SIZE = int(os.environ.get("SWEEP_BATCH_SIZE", 500))
    # /healthz reports unhealthy when the SLA worker has not swept for this long.
    HEARTBEAT_MAX_AGE_SECONDS = int(os.environ.get("HEARTBEAT_MAX_AGE_SECONDS", 300))

    # Notifications: email over SMTP and a WeChat Work group-robot webhook, sent only in these hours (Beijing)
    # on working days.
    NOTIFY_HOURS = os.environ.get("NOTIFY_HOURS", "08:30-18:00")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "jianjian@localhost")
    WEBHOOK_URL = os.environ.get("WEBHOOK_URL", "")
    # Signed webhooks to outside systems (admin → 推送接口, app/webhooks/): tries per delivery before it is marked
    # failed, the time one try may take, and whether private or loopback addresses may be reached (the SSRF guard;
    # off in production unless set, on in development and tests, whose receivers run on 127.0.0.1).
    WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", 8))
    WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 5))
    WEBHOOK_ALLOW_PRIVATE = _bool("WEBHOOK_ALLOW_PRIVATE", os.environ.get("JJ_ENV", "development") != "production")

    # The centre's general phone, shown to an enterprise whose case has no secretary yet (or one without an
    # office phone) on its receipt and tracking page.
    CENTRE_PHONE = os.environ.get("CENTRE_PHONE", "")
    # Messages to enterprises (SMS through a gateway's HTTP API, email over the SMTP above). They leave between
    # these hours (Beijing) every day, weekends and holidays included: no SMS at night, none lost (they wait).
    ENTERPRISE_NOTIFY_HOURS = os.environ.get("ENTERPRISE_NOTIFY_HOURS", "08:00-21:00")
    # A message to an enterprise that could not leave within this many hours is given up: news that old misleads.
    ENTERPRISE_MESSAGE_TTL_HOURS = int(os.environ.get("ENTERPRISE_MESSAGE_TTL_HOURS", 72))
    # The gateway (app/messaging/sms.py says what it is sent and what it must answer). Empty: SMS wait in the
    # outbox, shown as "未配置短信网关".
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_KEY = os.environ.get("SMS_GATEWAY_KEY", "")
    # Mainland operators require every SMS to start with a registered signature.
    SMS_SIGNATURE = os.environ.get("SMS_SIGNATURE", "【企业服务中心】")
    # Links in messages: this address when set (the one enterprises reach, e.g. https://jianjian.example.gov.cn),
    # otherwise the address of the request that caused the message.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    # The hall board's figures are recomputed at most once per this many seconds per process (its screen polls).
    HALL_CACHE_SECONDS = int(os.environ.get("HALL_CACHE_SECONDS", 60))
    # The overdue board's counts (per tab, per department) are tallied at most once per this many seconds per
    # process; its case rows are always live.
    BOARD_CACHE_SECONDS = int(os.environ.get("BOARD_CACHE_SECONDS", 30))
    # A draft month's figures (the month page and report before publication) are computed at most once per this
    # many seconds for all web workers; the page says when, a supervisor can recompute at once, and every
    # assessment decision (exclusion, appeal, rule, calendar correction, publication) recomputes. 0: always live.
    DRAFT_CACHE_SECONDS = int(os.environ.get("DRAFT_CACHE_SECONDS", 600))
    # A month whose last tally took longer than this is recomputed by the SLA worker (within a minute) while the
    # pages show its stored figures and say so, instead of making a supervisor's request wait for the tally.
    DRAFT_WAIT_MS = int(os.environ.get("DRAFT_WAIT_MS", 3000))
    # The service hall's screen opens /hall?token=KIOSK_TOKEN without logging in; empty turns that off.
    KIOSK_TOKEN = os.environ.get("KIOSK_TOKEN", "")


def check_production(config) -> None:
    """Refuse to run in production with a guessable secret key, a short kiosk token or debug on."""
    if config.get("ENV") != "production":
        return
    problems = []
    key_problem = ("SECRET_KEY is not set (a key generated for one instance cannot serve several web hosts)"
                   if config.get("SECRET_KEY_GENERATED") else secret_key_problem(config.get("SECRET_KEY")))
    if key_problem:
        problems.append(key_problem + ": generate one with "
                        "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`")
    if config.get("DEBUG"):
        problems.append("debug must be off")
    kiosk_problem = config.get("KIOSK_TOKEN") and secret_key_problem(config["KIOSK_TOKEN"], "KIOSK_TOKEN", 24, 96)
    if kiosk_problem:
        problems.append(kiosk_problem + " (it opens the hall board without a login; use at least 24 random characters)")
    if problems:
        raise RuntimeError("refusing to start in production: " + "; ".join(problems))


class TestConfig(Config):
    """Settings for the test suite: CSRF and rate limits stay on unless a test turns them off."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    RATELIMIT_STORAGE_URI = "memory://"
    # Hashing strength is not under test; a cheap method keeps the suite fast.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Tests change data and look again at the same frozen time: the hall figures are computed every time
    # (tests/test_query_counts.py turns the cache on to test it).
    HALL_CACHE_SECONDS = 0
    BOARD_CACHE_SECONDS = 0
    DRAFT_CACHE_SECONDS = 0
