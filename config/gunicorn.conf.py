"""gunicorn's settings, shared by `make run` (Procfile), the production image (Dockerfile,
docker-compose.yml) and `manage.py bench_load`. The address stays on each command line
(`--bind`); the environment can change the numbers (docs/operations.md, "Web server").

The pages are CPU-bound Python (templates, the ORM) with short waits on PostgreSQL. Single-
threaded processes, two per CPU plus one, serve them best (docs/performance.md, "Under load"):
a process takes the next connection only when it is free, so the load spreads evenly over the
processes, and no request waits for another thread's interpreter lock. With threads, or with
keep-alive connections that stay on the process that accepted them, some processes queue
requests while others idle (p95 two to three times p50 in the measurements). Long requests
(an upload, an export) hold one process each for up to `timeout`. A buffering proxy in front
(production) shields the processes from slow clients.
"""

import os


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (a container's)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * _cpus() + 1)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# More than 1 makes gunicorn use the gthread worker (with keep-alive) whatever worker_class says.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))  # gthread only
timeout = 120
graceful_timeout = 30
# The workers' heartbeat files on a memory file system where there is one (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"


def on_starting(server):
    """The metrics' directory of the processes (multiprocess mode) exists before they write."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    """A worker that ends leaves its metrics to the others (prometheus_client's multiprocess
    mode, PROMETHEUS_MULTIPROC_DIR; docs/operations.md "Metrics")."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
