"""gunicorn's settings, shared by `make run` (Procfile), the production image (Dockerfile,
docker-compose.yml) and `manage.py bench_load`. The address stays on each command line
(`--bind`)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 120
accesslog = "-"
