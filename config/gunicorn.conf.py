"""gunicorn's settings, shared by `make run` (Procfile), the production image (Dockerfile,
docker-compose.yml) and `manage.py bench_load`. The address stays on each command line
(`--bind`); the environment can change the numbers (docs/operations.md).

The pages are CPU-bound Python (templates, the ORM) with short waits on PostgreSQL, so the
work is spread over processes, not threads: two worker processes per CPU, each with two
threads to cover its database waits. More threads per process only queue requests behind one
interpreter lock (measured in docs/performance.md, "Under load").
"""

import os


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (a container's)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * _cpus())))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Idle keep-alive connections wait in the worker's poller, not in a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = 120
graceful_timeout = 30
# The workers' heartbeat files on a memory file system where there is one (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
