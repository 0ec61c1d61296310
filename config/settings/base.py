"""Settings shared by every environment.

Everything that differs between machines comes from the environment; the defaults are the
embedded ones `make run` uses (SQLite and a filesystem Celery transport).
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab  # noqa: F401  (kept for schedules in config/celery.py)
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_list, public_base_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("CRM_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", "dev-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The project's apps come first so their translations win over the same words in other
    # apps' catalogues (e.g. "Name" is "任务名" in django-celery-beat's).
    # The layers are the import-linter contract in pyproject.toml (docs/architecture.md). This
    # order is the precedence of the apps' translation catalogues (an app listed earlier wins a
    # msgid that two catalogues translate differently), kept as it was before visits,
    # dashboards and risk left accounts_manager and billing. devtools (demo data, benchmarks)
    # is added by the local and test settings.
    "common",
    "grid",
    "customers",
    "accounts_manager",
    "visits",
    "dashboards",
    "billing",
    "risk",
    "outages",
    "complaints",
    "supply",
    "connections",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "import_export",
    "widget_tweaks",
    "csp",
]

MIDDLEWARE = [
    # First: every log line of the request, and every task it queues, carries its id; the
    # request's time and status count in the metrics.
    "common.logs.RequestIdMiddleware",
    "common.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "common.middleware.RejectNulMiddleware",
    "common.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked @login_not_required (login, /n/).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Django's form rendering, with drop-down lists written in Python (common.forms_renderer).
FORM_RENDERER = "common.forms_renderer.FormRenderer"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "common.context_processors.navigation",
                "accounts_manager.context_processors.notices",
            ],
        },
    },
]


def database_from_url(url: str, *, conn_max_age: int) -> dj_database_url.DBConfig:
    """A DATABASES entry from a URL, tuned for how this product uses each engine."""
    database = dj_database_url.parse(url, conn_max_age=conn_max_age)
    if database["ENGINE"].endswith("sqlite3"):
        # The embedded default serves web and worker at once: WAL and immediate transactions
        # keep them from tripping over each other's locks.
        database["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    elif database["ENGINE"].endswith("postgresql"):
        # PostgreSQL's JIT compiles the aggregate queries of the arrears and dashboard pages
        # anew on every request and costs more (~0.9 s) than it saves at our sizes.
        database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return database


DATABASES = {
    "default": database_from_url(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts_manager.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in with the company directory (LDAP / Active Directory, accounts_manager.ldap_backend):
# only when AUTH_LDAP_SERVER_URI is set; otherwise nothing of it is loaded and users sign in
# with their local accounts alone. Each variable: docs/operations.md, "Directory sign-in".
AUTH_LDAP_SERVER_URI = env("AUTH_LDAP_SERVER_URI", "")
AUTH_LDAP_ROLE_GROUPS: dict[str, str] = {}
if AUTH_LDAP_SERVER_URI:
    from config.directory import directory_settings, parse_role_groups

    globals().update(
        directory_settings(
            server_uri=AUTH_LDAP_SERVER_URI,
            bind_dn=env("AUTH_LDAP_BIND_DN", ""),
            bind_password=env("AUTH_LDAP_BIND_PASSWORD", ""),
            start_tls=env_bool("AUTH_LDAP_START_TLS", False),
            timeout=int(env("AUTH_LDAP_TIMEOUT", "5")),
            user_base=env("AUTH_LDAP_USER_BASE"),
            user_filter=env("AUTH_LDAP_USER_FILTER", "(uid=%(user)s)"),
            group_base=env("AUTH_LDAP_GROUP_BASE"),
            group_type=env("AUTH_LDAP_GROUP_TYPE", "groupOfNames"),
            group_filter=env("AUTH_LDAP_GROUP_FILTER", ""),
            deny_group=env("AUTH_LDAP_DENY_GROUP", ""),
            role_groups=parse_role_groups(env("AUTH_LDAP_ROLE_GROUPS")),
            attr_name=env("AUTH_LDAP_ATTR_NAME", "cn"),
            attr_email=env("AUTH_LDAP_ATTR_EMAIL", "mail"),
            attr_employee_no=env("AUTH_LDAP_ATTR_EMPLOYEE_NO", "employeeNumber"),
        )
    )

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The reverse proxies in front (addresses or networks, e.g. "10.0.0.2,172.16.0.0/12"): only a
# request from one of them may name the client's address in X-Forwarded-For
# (common.client_address). Empty: every request is taken to come straight from the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Brute-force protection (accounts_manager.lockout): 5 failures for one username from one
# address lock that pair out for an hour; 20 failures from one address over any usernames lock
# the address out. Administrators unlock in the admin (Access attempts) or with
# `manage.py axes_reset_username <username>` / `axes_reset_ip <address>`.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(env("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts_manager.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Content-Security-Policy on every answer, pages and API alike (django-csp): scripts, styles,
# fonts and images come from this site only, and no inline script, inline style or event
# handler runs (tests/common/test_csp.py scans the templates; the browser test listens for
# violations). Bootstrap's CSS draws some icons as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "crm@example.com")
# The public address of the site, used in links sent to customers and users (outage
# confirmations, e-mails): PUBLIC_BASE_URL, else SITE_URL, else 127.0.0.1 on CRM_PORT.
PUBLIC_BASE_URL = public_base_url()
SITE_URL = PUBLIC_BASE_URL  # its older name

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["common.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "common.api.search.SearchFilter",
        "common.api.ordering.StableOrderingFilter",
    ],
    # JSON in and out (API.md); a view that takes an upload sets its own parser_classes.
    "DEFAULT_PARSER_CLASSES": ["common.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "common.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Key-account CRM API",
    "DESCRIPTION": "REST API of the key-account CRM (v1). See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from validator.swagger.io (and nothing else from outside: the CSP).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set shared across parts (otherwise "Status0eaEnum" and warnings).
    "ENUM_NAME_OVERRIDES": {
        "MessageChannelEnum": "customers.models.Channel",
        "CustomerStatusEnum": "customers.models.CustomerStatus",
        "RiskLevelEnum": "customers.models.RiskLevel",
        "FollowUpStatusEnum": "accounts_manager.models.FollowUpStatus",
        "PaymentChannelEnum": "billing.models.PaymentChannel",
        "BillStatusEnum": "billing.models.BillStatus",
        "PromiseStatusEnum": "billing.models.PromiseStatus",
        "DisconnectionStatusEnum": "billing.models.DisconnectionStatus",
        "OutageStatusEnum": "outages.models.OutageStatus",
        "NotificationStatusEnum": "outages.models.NotificationStatus",
        "ComplaintChannelEnum": "complaints.models.Channel",
        "ComplaintStatusEnum": "complaints.models.Status",
        "InterruptionSourceEnum": "supply.models.InterruptionSource",
        "SourceEnum": "dashboards.api.serializers.SOURCES",
        "ConnectionKindEnum": "connections.models.Kind",
        "ConnectionStatusEnum": "connections.models.Status",
        "ConnectionStepEnum": "connections.models.Step",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.schema.stringify_keys",
        "common.api.schema.blank_strings_any_of",
    ],
}

# --- Celery ---------------------------------------------------------------------------------
# Default: a filesystem transport that needs no server, so `make run` works anywhere.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule `manage.py sync_schedules` writes into the DatabaseScheduler's tables.
BEAT_SCHEDULE = "config.celery.BEAT_SCHEDULE"
# The task outbox (common/outbox.py): a publisher holds a row this long at most, and
# published rows are kept this long for inspection.
TASK_OUTBOX_CLAIM_LEASE = timedelta(minutes=1)
TASK_OUTBOX_KEEP = timedelta(days=7)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
}
if env("REDIS_CACHE_URL", ""):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_CACHE_URL"),
    }

# Plain lines by default; JSON lines (one object per record: time, level, logger, message,
# request_id, and the exception when there is one) with LOG_FORMAT=json. common/logs.py.
LOG_FORMAT = env("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# The worker logs through LOGGING above (JSON lines too), not through Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False


# Prometheus may read /metrics with `Authorization: Bearer <this>` (administrators read it with
# their session or API token); empty: only administrators.
METRICS_SCRAPE_TOKEN = env("METRICS_SCRAPE_TOKEN", "")

# The readiness probe (/readyz, common/health.py): how old the worker's heartbeat (every
# minute) and the scheduler's record of sending it (written out every few minutes) may be.
READYZ_WORKER_STALE_AFTER = timedelta(minutes=int(env("READYZ_WORKER_STALE_MINUTES", "3")))
READYZ_SCHEDULER_STALE_AFTER = timedelta(minutes=int(env("READYZ_SCHEDULER_STALE_MINUTES", "6")))

# --- Business rules (each app reads its own block; all can be overridden per environment) ---

# accounts_manager
ROLE_GROUPS = ("account_manager", "supervisor", "integration", "auditor")

# billing: late-payment charge (电费违约金) per day on the unpaid amount
BILLING_LATE_FEE_RATE_CURRENT_YEAR = Decimal("0.002")
BILLING_LATE_FEE_RATE_EARLIER_YEARS = Decimal("0.003")
BILLING_LATE_FEE_RATE_RESIDENTIAL = Decimal("0.001")
BILLING_LATE_FEE_MINIMUM = Decimal("1.00")
BILLING_LATE_FEE_ROUNDING = "ROUND_HALF_UP"
BILLING_DISCONNECTION_MIN_DAYS_PAST_DUE = 30
BILLING_DISCONNECTION_NOTICE_DAYS = 7
BILLING_DISCONNECTION_SECOND_REMINDER_MINUTES = 30
BILLING_RECONNECTION_DEADLINE_HOURS = 24

# billing: arrears-risk scan (weights in docs/risk.md)
RISK_LEVEL_THRESHOLDS = {"medium": 30, "high": 60, "critical": 80}
# Points per factor as bands (threshold, points): a value at or above a threshold gives its
# points, the highest band reached counts; a factor's top band is its weight. The score is
# the sum of the points, at most 100.
RISK_FACTOR_BANDS = {
    # past-due amount / average monthly bill of the last 12 months
    "arrears_ratio": [("0.5", 10), ("1", 18), ("2", 25), ("3", 30)],
    # days past due of the oldest unpaid bill
    "days_past_due": [(1, 5), (15, 10), (31, 15), (61, 20), (91, 25)],
    # bills due in the last 12 months not paid in full by their due date
    "late_payments": [(1, 3), (2, 6), (4, 10), (6, 15)],
    # payment promises broken in the last 6 months
    "broken_promises": [(1, 10), (2, 15), (3, 20)],
    # fall of the average monthly kWh of the last 3 months against the 3 before (0.3 = 30 %)
    "consumption_drop": [("0.3", 5), ("0.5", 10), ("0.7", 15)],
    # disconnections for arrears carried out in the last 12 months
    "disconnections": [(1, 10)],
}
# Points for an important customer (重要电力用户) with past-due arrears: disconnection, the last
# resort of collection, is restricted for them.
RISK_IMPORTANCE_POINTS = {"special": 5, "level1": 5, "level2": 3, "temporary": 3}
# The scan runs over this many slices of the customer id range (progress is reported per
# slice), on up to RISK_SCAN_WORKERS database connections at once (PostgreSQL only). Ten is
# the measured balance: fewer statements cost less at 10,000 customers, while slices of
# 20,000 customers and more spill their sorts to disk (docs/performance.md).
RISK_SCAN_SLICES = 10
RISK_SCAN_WORKERS = int(env("RISK_SCAN_WORKERS", "2"))
# 1 or more: the scan's id range is split into this many partitions, each scored by its own
# Celery task (so by as many worker processes or machines as are free); the last partition to
# finish publishes the scan. 0 scores every slice in the task that runs the scan.
RISK_SCAN_PARTITIONS = int(env("RISK_SCAN_PARTITIONS", "0"))
# Rescoring after a money change (risk.rescoring): the task runs RISK_RESCORE_COUNTDOWN
# seconds after the first change of a burst; further changes within RISK_RESCORE_DEBOUNCE
# seconds schedule nothing more (the same task drains them). It takes the waiting customers
# RISK_RESCORE_BATCH at a time, and while a scan of every customer runs it waits
# RISK_RESCORE_RETRY seconds and looks again.
RISK_RESCORE_COUNTDOWN = float(env("RISK_RESCORE_COUNTDOWN", "1.5"))
RISK_RESCORE_DEBOUNCE = 1
RISK_RESCORE_BATCH = 5000
RISK_RESCORE_RETRY = 5
# A running scan without a sign of life for this long is taken to be dead; a queued one that
# no worker picked up is dispatched again after RISK_SCAN_REDISPATCH_AFTER and given up after
# RISK_SCAN_QUEUE_TIMEOUT (a scan whose task waits in the outbox for the broker is left to
# run when the broker is back). A given-up scan may be replaced by a new one.
RISK_SCAN_STALE_AFTER = timedelta(minutes=15)
RISK_SCAN_REDISPATCH_AFTER = timedelta(minutes=2)
RISK_SCAN_QUEUE_TIMEOUT = timedelta(minutes=15)
# Assessments of scans older than this are deleted by the scan (None keeps them all).
RISK_HISTORY_RETENTION_DAYS = 400
# When the follow-up raised by a rise to high or critical is due.
RISK_FOLLOWUP_DUE = timedelta(days=2)
# Overrides: default and longest validity.
RISK_OVERRIDE_DEFAULT_DAYS = 30
RISK_OVERRIDE_MAX_DAYS = 180

# outages
OUTAGE_LEAD_TIME_PLANNED = timedelta(days=7)
OUTAGE_LEAD_TIME_TEMPORARY = timedelta(hours=24)
OUTAGE_CONFIRM_ESCALATION_BEFORE = timedelta(hours=48)
OUTAGE_NOTIFY_CHUNK_SIZE = int(env("OUTAGE_NOTIFY_CHUNK_SIZE", "500"))
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", "")
SMS_GATEWAY_USERNAME = env("SMS_GATEWAY_USERNAME", "")
SMS_GATEWAY_PASSWORD = env("SMS_GATEWAY_PASSWORD", "")
SMS_GATEWAY_TIMEOUT = 10
SMS_GATEWAY_MAX_RETRIES = 5
# Signature (【…】) and provider template id, sent with every SMS (see docs/outages.md).
SMS_GATEWAY_SIGNATURE = env("SMS_GATEWAY_SIGNATURE", "国网供电")
SMS_GATEWAY_TEMPLATE_ID = env("SMS_GATEWAY_TEMPLATE_ID", "")
# Sender per channel; with no SMS gateway URL, SMS go to the log and a file (the demo).
OUTAGE_CHANNEL_SENDERS = {
    "sms": "outages.channels.sms.HttpSmsSender"
    if SMS_GATEWAY_URL
    else "outages.channels.logfile.LogFileSender",
    "email": "outages.channels.email.EmailSender",
}
OUTAGE_NOTICE_LOG_FILE = Path(env("OUTAGE_NOTICE_LOG_FILE", str(VAR_DIR / "outage-notices.log")))
# A claimed notice not recorded within the lease is claimed again (its worker died). A worker
# renews the lease of the rest of its chunk every third of it (a heartbeat between two
# messages), so the lease only has to cover that interval plus one slow send
# (SMS_GATEWAY_TIMEOUT, EMAIL_TIMEOUT), not a whole chunk: a dead worker's rows are taken
# again about a minute later.
OUTAGE_NOTIFY_LEASE = timedelta(seconds=int(env("OUTAGE_NOTIFY_LEASE_SECONDS", "60")))
# How many batch tasks `notify` starts at most, so that several workers share a big batch: one
# per worker slot (workers × --concurrency) lets every slot send (docs/outages.md, scale-out).
OUTAGE_NOTIFY_PARALLEL_TASKS = int(env("OUTAGE_NOTIFY_PARALLEL_TASKS", "4"))
# Wait before retry n (1-based) of a notice after a transient failure: base * 2**(n-1), capped.
OUTAGE_NOTIFY_RETRY_BASE = timedelta(seconds=30)
OUTAGE_NOTIFY_RETRY_MAX = timedelta(minutes=30)

# 企业微信 (WeCom) application messages to staff (accounts_manager.wecom, docs/operations.md
# "WeCom channel"). Without the corp id, secret and agent id the channel is off.
WECOM_CORP_ID = env("WECOM_CORP_ID", "")
WECOM_SECRET = env("WECOM_SECRET", "")
WECOM_AGENT_ID = env("WECOM_AGENT_ID", "")
WECOM_API_BASE = env("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
WECOM_TIMEOUT = 10
# Attempts of one message before it is recorded as failed; the wait before retry n (1-based)
# after a transient error is base * 2**(n-1), capped.
WECOM_MAX_ATTEMPTS = int(env("WECOM_MAX_ATTEMPTS", "6"))
WECOM_RETRY_BASE = timedelta(seconds=30)
WECOM_RETRY_MAX = timedelta(minutes=30)
# WeCom drops what goes over 30 messages a minute to one member: at most this many are sent
# to one user in a minute, the rest wait for the next.
WECOM_PER_USER_PER_MINUTE = int(env("WECOM_PER_USER_PER_MINUTE", "20"))
# A message claimed by a worker and not recorded within the lease is taken again.
WECOM_CLAIM_LEASE = timedelta(minutes=2)

# complaints
COMPLAINT_REPEAT_WINDOW_DAYS = 90
COMPLAINT_CLOSE_WITHOUT_CALLBACK_AFTER_ATTEMPTS = 3
COMPLAINT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# The callback (回访) is made by someone other than the person who resolved the ticket.
COMPLAINT_CALLBACK_BY_RESOLVER_ALLOWED = env_bool("COMPLAINT_CALLBACK_BY_RESOLVER_ALLOWED", False)

# visits: planned frequency in months by importance class
VISIT_FREQUENCY_MONTHS = {"special": 1, "level1": 2, "level2": 3, "temporary": 6, "normal": 6}
# A planned visit enters the manager's queue ("my day") this many days before its due date.
VISIT_FOLLOWUP_LEAD_DAYS = 7

# dashboard and managers' performance (definitions in docs/dashboards.md)
DASHBOARD_TOP_DEBTORS = 10
# Complaints whose next deadline falls within this many hours are "near breach".
DASHBOARD_NEAR_BREACH_HOURS = 24
# The money figures of the current month are refreshed by a job every 10 minutes; a page
# that finds them older than this refreshes them itself.
DASHBOARD_SUMMARY_MAX_AGE_MINUTES = 30
# The previous month's figures keep being refreshed for this many days into the new month
# (payments recorded late); its performance snapshot is taken on the day after.
DASHBOARD_SETTLE_DAYS = 2
# The dashboard's figures (page and API) are kept this many seconds in the cache per viewer
# scope, region, month and language (dashboards.selectors.dashboard_figures); 0 turns it off.
DASHBOARD_CACHE_SECONDS = int(env("DASHBOARD_CACHE_SECONDS", "30"))

# supply quality (docs/supply.md). Restoration after a fault: within this many hours of the
# cause being cleared (the current rule; 3 days under the 1996 供电营业规则).
SUPPLY_RESTORATION_LIMIT_HOURS = 24
# Proactive follow-ups (supply.alerts): a key account passing any of these opens an episode
# and one follow-up; the episode ends when the account is back under every one of them.
SUPPLY_FAULT_INTERRUPTIONS = 3  # fault interruptions ...
SUPPLY_FAULT_WINDOW_DAYS = 90  # ... within this many days
SUPPLY_MINUTES_OFF = 120  # more than this many minutes without supply ...
SUPPLY_MINUTES_OFF_WINDOW_DAYS = 30  # ... within this many days
SUPPLY_VOLTAGE_PASS_RATE = 95  # a monthly voltage pass rate under this (per cent)
# A follow-up raised by the job is due this many hours later.
SUPPLY_FOLLOWUP_DUE_HOURS = 48
# Feeders with at least this many fault interruptions in SUPPLY_FAULT_WINDOW_DAYS are
# "frequent-fault" feeders (their important customers without a generator are listed).
SUPPLY_FREQUENT_FAULT_FEEDER = 3
# Voltage deviation limits per class, in per cent of the nominal voltage (供电营业规则):
# (upper, lower) limits, or for 35 kV and above the sum of the absolute deviations.
SUPPLY_VOLTAGE_LIMITS = {
    "220v": {"upper": 7, "lower": -10},
    "10kv": {"upper": 7, "lower": -7},
    "20kv": {"upper": 7, "lower": -7},
    "35kv_plus": {"sum_abs": 10},
}
# One import request (API) or file takes at most this many rows.
SUPPLY_IMPORT_MAX_ROWS = 20_000

# Request bodies (API.md): every endpoint accepts REQUEST_BODY_MAX_BYTES, a multipart upload
# REQUEST_UPLOAD_MAX_BYTES (a file of up to 10 MB and its form), unless the endpoint declares
# its own limit (common.middleware.body_limit; the bill import takes 20,000 bills). Too large:
# 413, JSON on the API. Django's own limit is only a backstop above every endpoint's.
REQUEST_BODY_MAX_BYTES = 2_621_440
REQUEST_UPLOAD_MAX_BYTES = 12 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024

# An uploaded bill or payment file up to this size is checked and written in the request;
# a larger one by a task, with a progress bar on its page (billing.import_batches).
BILLING_IMPORT_INLINE_BYTES = 256 * 1024

# A time that records when something happened may lie this far ahead of the server's clock
# (a client's clock running fast), no more (common.moments).
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)

# --- Connection projects (业扩报装): config/settings/connections.py ----------------------------
from config.settings.connections import *  # noqa: E402, F403
