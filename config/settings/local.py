"""Settings for `make run` on one machine: the embedded defaults.

DEBUG stays off, so that `make run` shows the product's own 404 and 500 pages and never
Django's debug page with the URL map; whitenoise serves the static files that `scripts/run.sh`
collects. A developer who wants the debug page sets `DEBUG=1` (and runs `collectstatic`, or
relies on whitenoise's finders, which DEBUG turns on).
"""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", False)

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405  (demo data and benchmarks)
