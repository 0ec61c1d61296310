# The production image: gunicorn, Celery worker and beat all run from it (docker-compose.yml).
# Build: docker build -t keyaccount-crm .
# Bookworm named: python-ldap (django-auth-ldap) is built here against OpenLDAP 2.5 and needs
# the same libraries at run time (libldap-2.5-0, libsasl2-2).
FROM python:3.11-slim-bookworm AS build
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext gcc libc6-dev libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9
WORKDIR /app
# Dependencies first, from the lock file, so that code changes reuse this layer.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY . .
# Settings need their secrets to load; these build-time values never reach the final image.
RUN export DJANGO_SETTINGS_MODULE=config.settings.production \
        SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
        ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    && .venv/bin/python manage.py compilemessages --ignore=.venv --verbosity 0 \
    && .venv/bin/python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f /tmp/build.sqlite3

FROM python:3.11-slim-bookworm
ENV PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends libldap-2.5-0 libsasl2-2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 crm
WORKDIR /app
COPY --from=build --chown=crm:crm /app /app
# Media (complaint attachments) and the demo SMS log live in var/, a volume in compose.
RUN mkdir -p /app/var/media && chown -R crm:crm /app/var
USER crm
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1
# Workers, threads and timeouts: config/gunicorn.conf.py (WEB_CONCURRENCY changes the workers).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "-c", "config/gunicorn.conf.py", \
     "--forwarded-allow-ips", "*"]
