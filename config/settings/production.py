"""Production settings: refuse to start without the secrets, harden everything.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL. Expected: CELERY_BROKER_URL (Redis) so that
workers on several machines share one queue. The site is served behind a proxy that terminates
TLS and sets X-Forwarded-Proto (see docs/operations.md).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_list

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK

for _name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
    if not os.environ.get(_name, "").strip():
        raise ImproperlyConfigured(f"Production needs the environment variable {_name}.")
if os.environ["SECRET_KEY"].startswith("dev-insecure"):
    raise ImproperlyConfigured("Production needs its own SECRET_KEY, not the development one.")

DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# HTTPS: the proxy in front terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Health checks of the load balancer or of docker compose come over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# No browsable API in production: JSON only.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
