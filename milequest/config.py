"""Configuration: development defaults, overridden from the environment (twelve-factor).

`MILEQUEST_*` variables override any key (`MILEQUEST_MAIL_BACKEND=smtp`); the conventional
`DATABASE_URL`, `REDIS_URL` and `SECRET_KEY` are read too. Production refuses the dev secret.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"
# Where devservices starts them (MILEQUEST_PG_PORT, MILEQUEST_REDIS_PORT, MILEQUEST_DB_NAME), so a
# shell with other ports never reaches, or drops the test database of, the default ones.
LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:{}/{}".format(
    os.environ.get("MILEQUEST_PG_PORT", "55432"), os.environ.get("MILEQUEST_DB_NAME", "milequest")
)
LOCAL_REDIS_URL = "redis://127.0.0.1:{}/0".format(os.environ.get("MILEQUEST_REDIS_PORT", "56379"))


QUEUES = ("moderation", "routes", "imports", "aggregation", "email", "notifications", "push")


class Defaults:
    ENV = "development"
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = LOCAL_DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Ping a pooled connection before use only when it sat idle this long (lib/idle_ping.py):
    # a database restart is noticed without a round trip on every checkout.
    DB_PING_IDLE_S = 1.0
    REDIS_URL = LOCAL_REDIS_URL

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    SESSION_LIFETIME_S = 60 * 60 * 24 * 7  # a session without "keep me logged in" (server side)
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 4
    MAX_CONTENT_LENGTH = 41 * 1024 * 1024  # four 10 MB photos and the form around them

    # Bytes on the wire: static files come from `make setup`'s build (milequest/static_files.py);
    # pages and fragments are compressed (brotli, zstd or gzip, as the browser accepts) unless
    # a proxy in front does it: then set MILEQUEST_COMPRESS_RESPONSES=false.
    STATIC_BUILD_DIR = str(ROOT / "build" / "static")
    COMPRESS_RESPONSES = True
    COMPRESS_STREAMS = False  # a streamed answer (an export) goes out as it is made
    # Brotli 5 before zstd 3: the team page's 15.7 KB of HTML goes out in 3.0 KB instead of
    # 3.5 KB, for 0.17 ms more CPU (measured here); bytes cost a walker on a slow phone more.
    COMPRESS_ALGORITHM = ["br", "zstd", "gzip", "deflate"]
    COMPRESS_BR_LEVEL = 5
    # flask-compress would answer conditional requests itself, adding a Date header the server
    # adds again. A view that answers them sets a weak ETag, which compression leaves as it is.
    COMPRESS_EVALUATE_CONDITIONAL_REQUEST = False

    # Behind N reverse proxies, the client's address and scheme come from the last N
    # X-Forwarded-For/-Proto entries; 0 trusts no such header (a client could forge it).
    PROXY_HOPS = 0

    # Per IP and per account; the account key is the submitted email address.
    RATELIMIT_HEADERS_ENABLED = True
    # Flask-Limiter writes its Retry-After on every answer, and it would win over a 503's 5 s:
    # under its own name here; http_headers sets Retry-After on a 429 only.
    RATELIMIT_HEADER_RETRY_AFTER = "X-RateLimit-Retry-After"
    # Redis down: limits fail open to the same limits counted in the process (each process
    # apart), and Flask-Limiter logs "Rate limit storage unreachable - falling back to in-memory
    # storage" (then "Rate limit storage recovered", checking at growing intervals up to 32 s).
    # An error left over (Redis lost between a request's check and its deduction) is logged
    # and the request goes on. Short timeouts: a Redis that hangs must not hang every form.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    RATELIMIT_SIGNUP = "10 per hour"
    RATELIMIT_LOGIN = "20 per 10 minutes"
    RATELIMIT_LOGIN_ACCOUNT = "10 per 10 minutes"
    RATELIMIT_RESET = "10 per hour"
    RATELIMIT_RESET_ACCOUNT = "3 per hour"

    # OpenID Connect sign-in (services/walkers/oidc_logins.py): a JSON list of
    # {"name", "label", "issuer", "client_id", "client_secret"}; Google from its two keys alone.
    # Each provider's redirect URI is <site>/oidc/<name>/callback.
    OIDC_PROVIDERS: list[dict[str, str]] = []
    GOOGLE_CLIENT_ID = ""
    GOOGLE_CLIENT_SECRET = ""

    EMAIL_VERIFY_MAX_AGE_S = 60 * 60 * 24 * 3
    PASSWORD_RESET_MAX_AGE_S = 60 * 60

    TEAM_LINK_INVITE_DAYS = 30
    TEAM_EMAIL_INVITE_DAYS = 7
    RATELIMIT_TEAM_INVITES = "50 per day"
    RATELIMIT_JOIN_CODE = "20 per 10 minutes"
    RATELIMIT_UPLOADS = "30 per hour"  # per walker, for photo uploads and for GPS imports
    RATELIMIT_API = "300 per minute"  # per API token (or walker, for the app's own session)

    # Live updates: pings keep idle sockets open through proxies and find dead ones; the page
    # never sends, so anything large is refused.
    SOCK_SERVER_OPTIONS = {"ping_interval": 25, "max_message_size": 4096}

    MAIL_BACKEND = "file"  # "file" (development) or "smtp"
    MAIL_DIR = str(ROOT / "var" / "mail")
    MAIL_FROM = "Mile Quest <no-reply@milequest.localhost>"
    MAIL_SMTP_HOST = "localhost"
    MAIL_SMTP_PORT = 25
    MAIL_SMTP_USERNAME = ""
    MAIL_SMTP_PASSWORD = ""
    MAIL_SMTP_STARTTLS = False
    MAIL_SMTP_TIMEOUT_S = 10
    # Where walkers reach the site: links in emails that a worker writes point there.
    PUBLIC_URL = "http://127.0.0.1:5000"
    NOTIFICATION_DELIVERY_DELAY_S = 0  # tests only: makes a delivery observably slow
    MAIL_RECORD_DELAY_S = 0  # tests only: a sent email's record waits, so a kill can fall there
    NOTIFICATION_POLL_S = 60  # how often an open page asks for the header's unread count
    # Web push (services/notifications/push_*): the VAPID key pair (base64url, lib/web_push.py;
    # `make run` makes one under var/) and whom push services may contact. Without keys,
    # walkers are never offered push. A device's endpoint must be at one of these origins
    # (shell-style patterns), so a walker cannot make a worker POST elsewhere.
    VAPID_PRIVATE_KEY = ""
    VAPID_PUBLIC_KEY = ""
    VAPID_SUBJECT = "mailto:no-reply@milequest.localhost"
    PUSH_SERVICE_ORIGINS = [
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://*.push.apple.com",
        "https://*.notify.windows.com",
    ]
    PUSH_TTL_S = 12 * 60 * 60  # a push service keeps an undelivered message this long

    # Routes: which router builds lines (see services/routers.py), how finely lines are cut,
    # and the Leaflet tiles (the CSP's img-src follows the tile URL's host).
    ROUTER = "geodesic"
    ROUTE_SEGMENT_MAX_M = 10_000
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_ATTRIBUTION = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )

    # Photos: storage backend (services/photo_storage.py), moderation thresholds on NudeNet's
    # score, and who may review every team's held photos (operators, by email address).
    PHOTO_STORAGE = "local"  # "local" or "s3"
    PHOTO_STORAGE_DIR = str(ROOT / "var" / "photos")
    PHOTO_S3_BUCKET = ""
    PHOTO_S3_ENDPOINT_URL = ""
    PHOTO_S3_REGION = ""
    PHOTO_HOLD_SCORE = 0.35
    PHOTO_REJECT_SCORE = 0.8
    PHOTO_MODERATION_DELAY_S = 0  # tests only: makes a moderation run observably slow
    OPERATOR_EMAILS: list[str] = []

    # Operations: who may read /metrics (a bearer token, or clients in these networks, as the
    # app sees their address: see PROXY_HOPS), and which peers' X-Request-ID is believed.
    METRICS_TOKEN = ""
    METRICS_ALLOWED_NETWORKS: list[str] = []
    TRUSTED_PROXIES: list[str] = []

    # Celery: acks late so a crashed worker's task is redelivered; the visibility timeout must
    # exceed the longest task, or Redis redelivers a task that is still running.
    CELERY = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": "aggregation",
        "broker_transport_options": {"visibility_timeout": 15 * 60},
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        # Beat marks each loop in Redis (workers/beat.py): /metrics shows when it last did.
        "beat_scheduler": "workers.beat:HeartbeatScheduler",
        "beat_max_loop_interval": 60,
        "include": [
            "workers.aggregation",
            "workers.email",
            "workers.imports",
            "workers.notifications",
            "workers.photos",
            "workers.push",
            "workers.routes",
            "workers.accounts",
        ],
        "task_routes": {
            "workers.email.*": {"queue": "email"},
            "workers.routes.*": {"queue": "routes"},
            "workers.aggregation.*": {"queue": "aggregation"},
            "workers.imports.*": {"queue": "imports"},
            "workers.photos.*": {"queue": "moderation"},
            "workers.notifications.*": {"queue": "notifications"},
            "workers.push.*": {"queue": "push"},
        },
        "beat_schedule": {
            "reconcile-counters": {
                "task": "workers.aggregation.reconcile_counters",
                "schedule": 3600.0,
            },
            "resend-stuck-email": {"task": "workers.email.sweep_unsent_email", "schedule": 300.0},
            "rebuild-stuck-routes": {
                "task": "workers.routes.sweep_stuck_routes",
                "schedule": 300.0,
            },
            "import-stuck-files": {
                "task": "workers.imports.sweep_stuck_imports",
                "schedule": 300.0,
            },
            "requeue-stuck-photos": {
                "task": "workers.photos.sweep_stuck_photos",
                "schedule": 300.0,
            },
            # Notifications: the hourly ones find walkers in their local morning or evening.
            "notify-from-team-events": {
                "task": "workers.notifications.sweep_team_events",
                "schedule": 600.0,
            },
            "send-due-notification-email": {
                "task": "workers.notifications.sweep_due_email",
                "schedule": 300.0,
            },
            "resend-stuck-push": {"task": "workers.push.sweep_unsent_push", "schedule": 300.0},
            "send-weekly-digests": {
                "task": "workers.notifications.sweep_weekly_digests",
                "schedule": 3600.0,
            },
            "nudge-walkers": {
                "task": "workers.notifications.sweep_walk_nudges",
                "schedule": 3600.0,
            },
            "warn-streaks-at-risk": {
                "task": "workers.notifications.sweep_streaks_at_risk",
                "schedule": 3600.0,
            },
            "notify-review-waiting": {
                "task": "workers.notifications.notify_review_waiting",
                "schedule": 3600.0,
            },
            "delete-due-accounts": {
                "task": "workers.accounts.delete_due_accounts",
                "schedule": 3600.0,
            },
            "sweep-data-exports": {
                "task": "workers.accounts.sweep_data_exports",
                "schedule": 300.0,
            },
            "forget-finished-sessions": {
                "task": "workers.accounts.forget_finished_sessions",
                "schedule": 86400.0,
            },
        },
    }


def apply_environment(config) -> None:
    """Read the conventional variables, then every `MILEQUEST_*` one (JSON values allowed)."""
    env = os.environ
    if "DATABASE_URL" in env:
        config["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for key in ("REDIS_URL", "SECRET_KEY"):
        if key in env:
            config[key] = env[key]
    config.from_prefixed_env("MILEQUEST")


def finish(config) -> None:
    """Derive dependent settings and refuse unsafe production configs. Mutates `config`."""
    config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(config["SQLALCHEMY_DATABASE_URI"])
    config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"])
    celery = dict(config["CELERY"])
    celery.setdefault("broker_url", config["REDIS_URL"])
    config["CELERY"] = celery
    if config["ENV"] == "production":
        if config["SECRET_KEY"] in ("", DEV_SECRET_KEY):
            raise RuntimeError("Refusing to start: set SECRET_KEY for production.")
        for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
            config[key] = True
    check_vapid_keys(config)


def check_vapid_keys(config) -> None:
    """Refuse a public key that is not the private key's: every push would be refused."""
    private, public = config["VAPID_PRIVATE_KEY"], config["VAPID_PUBLIC_KEY"]
    if not (private or public):
        return
    from milequest.lib import web_push

    try:
        matches = bool(private) and web_push.public_key_of(private) == public
    except ValueError:
        matches = False
    if not matches:
        raise RuntimeError("Refusing to start: VAPID_PUBLIC_KEY is not VAPID_PRIVATE_KEY's.")


def sqlalchemy_url(url: str) -> str:
    """Pin the psycopg2 driver (SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url.removeprefix(prefix)
    return url
