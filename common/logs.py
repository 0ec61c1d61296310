"""Logs that operations can follow: one id per request, carried into the tasks it queues, and
JSON lines when `LOG_FORMAT=json` (docs/operations.md "Logs").

The id is the caller's `X-Request-ID` when it sends a sensible one (a proxy or a load balancer
that numbers requests), else a new one; the answer carries it back. A task queued while a
request is served carries it in its message headers, and the worker's log lines of that task
show it.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
HEADER = "X-Request-ID"
# What a caller's id may look like: short, and nothing that could forge a log line.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _ACCEPTABLE.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Every log record gets `request_id` (empty outside a request or a task of one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs) -> None:
    request_id = REQUEST_ID.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _adopt_request_id(task=None, **kwargs) -> None:
    if task is None:
        return
    # A worker reads a message's headers as the request's attributes; `apply()` keeps them
    # in `headers`.
    carried = getattr(task.request, "request_id", None)
    if not carried:
        carried = (getattr(task.request, "headers", None) or {}).get("request_id")
    REQUEST_ID.set(carried or "")


@task_postrun.connect
def _forget_request_id(**kwargs) -> None:
    REQUEST_ID.set("")
