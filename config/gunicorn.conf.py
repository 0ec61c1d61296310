"""gunicorn's settings, shared by `make run` (Procfile), the production image (Dockerfile,
docker-compose.yml) and `manage.py bench_load`. The address stays on each command line
(`--bind`)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "2"))
timeout = 120
accesslog = "-"
