"""gunicorn's settings, shared by `make run` (Procfile), the production image (Dockerfile,
docker-compose.yml) and `manage.py bench_load`. The address stays on each command line
(`--bind`)."""

workers = 2
threads = 4
timeout = 120
accesslog = "-"
