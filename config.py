"""Settings for the portal, read from the environment.

Every value has a safe development default; production must set SECRET_KEY
and should set DATABASE_URL. See the README for the full list.
"""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("OMS_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use SECRET_KEY, else a per-instance key kept in instance/secret_key.

    Generating and storing the key keeps development sessions valid across
    restarts without ever putting a secret into the repository.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _derived_secret(purpose: str, key: str) -> str:
    """A secret for ``purpose`` derived from SECRET_KEY (so none is written in code)."""
    import hashlib
    import hmac

    return hmac.new(key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


class Config:
    """Development defaults: SQLite in instance/, debug off unless asked."""

    SECRET_KEY = _secret_key()
    DATABASE_URL = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'oms.sqlite3'}"
    )
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "32"))  # PostgreSQL, per process
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))  # reverse proxies in front
    DEBUG = _env_bool("FLASK_DEBUG", False)
    DEMO = _env_bool("DEMO", False)  # demo-only pages such as the marketplace simulator

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", not DEBUG)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "12")))

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024
    # Photos of returned items (portal/returns/photos.py): where the re-encoded JPEGs are
    # kept and the largest file accepted (each; 5 per return line).
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads" / "returns"))
    RETURN_PHOTO_MAX_BYTES = int(float(os.environ.get("RETURN_PHOTO_MAX_MB", "8")) * 1024 * 1024)

    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    # Failures from one remote address, over all e-mails, before that address is locked.
    LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "20"))
    # Rate limits (portal/ratelimit.py): where the counters live ("memory://" counts per
    # worker; set redis://host:6379/0 with several workers) and the limits themselves.
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # A failing counter store (Redis down; the memory store's timer race, limits#352) lets
    # the request through, logged, instead of answering 500.
    RATELIMIT_SWALLOW_ERRORS = _env_bool("RATELIMIT_SWALLOW_ERRORS", True)
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")  # login POSTs per IP
    RATELIMIT_API = os.environ.get("RATELIMIT_API", "600 per minute")  # per API key
    RATELIMIT_TRACKING = os.environ.get("RATELIMIT_TRACKING", "60 per minute")  # per IP

    LANGUAGES = ("en", "de")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("OMS_TIMEZONE", "Europe/Berlin")

    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")

    # Shipping (portal/shipping): the GS1 company prefix SSCCs are built from (the default
    # is GS1 Germany's example prefix, fine for tests and demos only) and where a house
    # carrier tracking number is followed ({tracking_number}, optionally {public_url}).
    GS1_COMPANY_PREFIX = os.environ.get("GS1_COMPANY_PREFIX", "4012345")
    HOUSE_CARRIER_TRACKING_URL = os.environ.get(
        "HOUSE_CARRIER_TRACKING_URL", "{public_url}/track/parcel/{tracking_number}")

    # Customer e-mails (portal/notifications): "file" writes .eml files into MAIL_OUTBOX_DIR,
    # "console" logs them, "smtp" sends them (the default once MAIL_SERVER is set). Their
    # links start with PUBLIC_URL.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or ("smtp" if MAIL_SERVER else "file")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)    # STARTTLS
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)   # implicit TLS (port 465)
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Retail OMS <no-reply@example.com>")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
    MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "60"))  # doubles per try

    LOCATION_CACHE_SECONDS = float(os.environ.get("LOCATION_CACHE_SECONDS", "30"))
    # Supplier stock feeds (portal/feeds): the folder file-drop feeds must lie in; the HTTP
    # timeout (seconds), tries per download (timeouts, 5xx, 429), the pause before the first
    # retry (doubled each time) and the largest file accepted.
    FEED_DROP_DIR = os.environ.get("FEED_DROP_DIR", str(INSTANCE_DIR / "feeds"))
    FEED_HTTP_TIMEOUT = float(os.environ.get("FEED_HTTP_TIMEOUT", "30"))
    FEED_HTTP_ATTEMPTS = int(os.environ.get("FEED_HTTP_ATTEMPTS", "3"))
    FEED_RETRY_SECONDS = float(os.environ.get("FEED_RETRY_SECONDS", "2"))
    FEED_MAX_MB = int(os.environ.get("FEED_MAX_MB", "512"))
    # After an import its file is kept here; the next import of the feed compares with it
    # and parses only the lines that differ (portal/feeds/delta.py). FEED_DELTA=0: always
    # compare every line with the stock.
    FEED_BASELINE_DIR = os.environ.get("FEED_BASELINE_DIR",
                                       str(INSTANCE_DIR / "feed-baselines"))
    FEED_DELTA = os.environ.get("FEED_DELTA", "1") != "0"
    # A revoked API key is refused at most this long after (each worker caches verified keys).
    API_KEY_CACHE_SECONDS = float(os.environ.get("API_KEY_CACHE_SECONDS", "5"))
    RESERVATION_MINUTES = int(os.environ.get("RESERVATION_MINUTES", "30"))  # unpaid orders
    # Click & Collect: days an order waits at the store before it is cancelled and
    # refunded, and wrong pickup codes tried before staff must send a new one.
    PICKUP_DAYS = int(os.environ.get("PICKUP_DAYS", "7"))
    PICKUP_MAX_ATTEMPTS = int(os.environ.get("PICKUP_MAX_ATTEMPTS", "5"))
    # Store replenishment: the sales window and the days of sales a store is stocked for.
    REPLENISH_SALES_DAYS = int(os.environ.get("REPLENISH_SALES_DAYS", "28"))
    REPLENISH_COVER_DAYS = int(os.environ.get("REPLENISH_COVER_DAYS", "14"))
    # Scheduled jobs: a run still "running" after this many hours (or whose process is gone)
    # counts as abandoned and is marked failed before the job's next run starts.
    JOB_STALE_HOURS = float(os.environ.get("JOB_STALE_HOURS", "6"))
    SANDBOX_WEBHOOK_SECRET = os.environ.get("SANDBOX_WEBHOOK_SECRET") or _derived_secret(
        "sandbox-webhook", SECRET_KEY)
    # Stripe takes payments only when both secrets are set; none is ever written in code.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # e.g. a local stripe-mock
    # The marketplace (portal/marketplace): its API address (in DEMO mode the portal's own
    # simulator), bearer token, seconds per request, tries per call and the first pause
    # between tries (doubled each time).
    MARKETPLACE_URL = os.environ.get("MARKETPLACE_URL") or (
        f"{PUBLIC_URL.rstrip('/')}/demo/marketplace" if DEMO else "")
    MARKETPLACE_TOKEN = os.environ.get("MARKETPLACE_TOKEN", "")
    MARKETPLACE_TIMEOUT = float(os.environ.get("MARKETPLACE_TIMEOUT", "10"))
    MARKETPLACE_ATTEMPTS = int(os.environ.get("MARKETPLACE_ATTEMPTS", "4"))
    MARKETPLACE_BACKOFF = float(os.environ.get("MARKETPLACE_BACKOFF", "0.5"))
    # The simulator sells at most one article per this many seconds (when orders are pulled).
    DEMO_MARKETPLACE_SALE_SECONDS = int(os.environ.get("DEMO_MARKETPLACE_SALE_SECONDS", "120"))


class TestConfig(Config):
    """A throwaway database per test session; secure cookies off for the test client."""

    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///:memory:")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    DEMO = False
    ARGON2_FAST = True  # cheap hashes keep the suite fast; production keeps the defaults
    LOCATION_CACHE_SECONDS = 0  # tests change locations behind the services' back
    API_KEY_CACHE_SECONDS = 0  # tests revoke keys and expect the next call refused
    # Stripe stays off unless a test switches it on against its own local server.
    STRIPE_SECRET_KEY = STRIPE_WEBHOOK_SECRET = STRIPE_PUBLISHABLE_KEY = STRIPE_API_BASE = ""
    MAIL_BACKEND = "memory"  # e-mails stay in a list the tests read
    FEED_DROP_DIR = os.path.join(tempfile.gettempdir(), "oms-test-feeds")  # not instance/
    FEED_BASELINE_DIR = os.path.join(tempfile.gettempdir(), f"oms-test-baselines-{os.getpid()}")
    FEED_RETRY_SECONDS = 0.0
    MARKETPLACE_URL = MARKETPLACE_TOKEN = ""  # tests point the connector at their own server
    # Limits stay on but out of the suite's way; tests/test_rate_limits.py lowers them.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_LOGIN = RATELIMIT_API = RATELIMIT_TRACKING = "100000 per minute"
