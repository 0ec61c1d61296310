"""Metrics in Prometheus' text format at `/metrics` (docs/operations.md "Metrics").

Measured where they happen, in every process: the requests by view, method and status with
their latency (`MetricsMiddleware`), and the tasks by name and outcome with their duration
(Celery's signals). Counted when scraped, from the database and the broker, by the collectors
that the parts register (`register_collector`: notices by channel and outcome, scan durations,
queue lengths), so that they are right whichever process is asked.

With several processes (gunicorn's workers, Celery's) set `PROMETHEUS_MULTIPROC_DIR` to a
directory they share (`make run` does): each process writes its figures there and `/metrics`
adds them up (prometheus_client's multiprocess mode). Without it a process shows its own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from celery.signals import task_failure, task_postrun, task_prerun
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from common.models import OutboxTask

REQUEST_SECONDS = Histogram(
    "crm_http_request_duration_seconds",
    "Requests by view, method and status, with their duration.",
    ["view", "method", "status"],
)
TASK_SECONDS = Histogram(
    "crm_task_duration_seconds",
    "Background task runs by task and outcome, with their duration.",
    ["task", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
)

_collectors: list[Callable[[], Iterable[Metric]]] = []


def register_collector(collect: Callable[[], Iterable[Metric]]) -> None:
    """A part's metrics counted when `/metrics` is read (`collect` yields prometheus_client
    metric families)."""
    if collect not in _collectors:
        _collectors.append(collect)


class _Registered(Collector):
    def collect(self) -> Iterable[Metric]:
        for collect in _collectors:
            yield from collect()


def exposition() -> bytes:
    """Every metric in Prometheus' text format."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_Registered())
    return generate_latest(registry)


class _ThisProcess(Collector):
    """This process's own metrics: the histograms above, its memory, CPU and files."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def queue_lengths() -> Iterable[Metric]:
    """Tasks waiting in the broker's queue, or nothing when the broker does not answer."""
    from celery import current_app as app

    if app.conf.task_always_eager:
        return
    queue = app.conf.task_default_queue
    family = GaugeMetricFamily(
        "crm_task_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"]
    )
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            _name, waiting, _consumers = conn.default_channel.queue_declare(queue, passive=True)
    except Exception:  # the broker is down: the queue's length is unknown, not zero
        return
    family.add_metric([queue], waiting)
    yield family


def outbox_pending() -> Iterable[Metric]:
    """Tasks queued while the broker was down and not published yet (common/outbox.py)."""
    family = GaugeMetricFamily(
        "crm_task_outbox_pending", "Tasks waiting in the outbox for the broker to return."
    )
    family.add_metric([], OutboxTask.objects.filter(published_at__isnull=True).count())
    yield family


register_collector(queue_lengths)
register_collector(outbox_pending)


class MetricsMiddleware:
    """Times each request and counts it by the view that answered (its URL name; an
    unresolved path counts as `unresolved`, so arbitrary paths add no series)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unresolved"
        REQUEST_SECONDS.labels(view, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


_task_started: dict[str, float] = {}
_task_failed: set[str] = set()


@task_prerun.connect
def _task_starts(task_id=None, **kwargs) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


@task_failure.connect
def _task_fails(task_id=None, **kwargs) -> None:
    if task_id:
        _task_failed.add(task_id)


@task_postrun.connect
def _task_ends(task_id=None, task=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    if started is None or task is None:
        return
    outcome = "failure" if task_id in _task_failed else "success"
    _task_failed.discard(task_id)
    TASK_SECONDS.labels(task.name, outcome).observe(time.perf_counter() - started)
