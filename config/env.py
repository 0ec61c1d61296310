"""Reading settings from the environment."""

import os


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise RuntimeError(f"The environment variable {name} must be set.")
        return default
    return value


def public_base_url(environ=None) -> str:
    """The address the product is served on, for links in notices and e-mails: PUBLIC_BASE_URL
    (SITE_URL is its older name), else the local server on CRM_PORT (8000 by default), as
    `make run` serves it."""
    environ = os.environ if environ is None else environ
    for name in ("PUBLIC_BASE_URL", "SITE_URL"):
        if environ.get(name):
            return environ[name].strip().rstrip("/")
    return f"http://127.0.0.1:{environ.get('CRM_PORT') or '8000'}"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
