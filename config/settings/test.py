"""Settings for the test suite: a real PostgreSQL and a real Redis."""

from config.env import env

from .base import *  # noqa: F403
from .base import DATABASES, database_from_url

DATABASES["default"] = database_from_url(
    env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm"), conn_max_age=0
)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Tasks dispatched on commit run in-process unless a test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files straight from the app folders (no collectstatic before the tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
LANGUAGE_CODE = "zh-hans"
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = 20
TRUSTED_PROXIES = []
# Figures computed afresh on every request (a test that checks the cache turns it on).
DASHBOARD_CACHE_SECONDS = 0

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405  (demo data and benchmarks)
