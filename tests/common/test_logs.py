"""Logs operations can follow (common/logs.py): a request id answered back and carried into the
tasks the request queues, and JSON lines with LOG_FORMAT=json."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings

from common.logs import HEADER, REQUEST_ID
from config.celery import app

pytestmark = pytest.mark.django_db


@app.task(name="tests.common.request_id_probe")
def request_id_probe() -> str:
    logging.getLogger("tests.request_id_probe").info("probing")
    return REQUEST_ID.get()


def test_every_answer_carries_a_new_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first[HEADER]) == 32 and first[HEADER] != second[HEADER]


@pytest.mark.parametrize(
    ("given", "kept"),
    [("lb-7f3a.9:1", True), ("x" * 64, True), ("x" * 65, False), ("a b", False), ("a\nb", False)],
)
def test_a_sensible_id_from_the_caller_is_kept(client, given, kept):
    answer = client.get("/healthz", headers={HEADER: given})
    assert (answer[HEADER] == given) is kept


def _json_logger(stream) -> logging.Logger:
    config = {
        **settings.LOGGING,
        "handlers": {
            "capture": {
                "class": "logging.StreamHandler",
                "stream": stream,
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": [], "level": "INFO"},
        "loggers": {"capture": {"handlers": ["capture"], "level": "INFO", "propagate": False}},
    }
    logging.config.dictConfig(config)
    return logging.getLogger("capture")


@pytest.fixture
def restore_logging():
    yield
    logging.config.dictConfig(settings.LOGGING)


def test_json_lines_carry_time_level_logger_message_and_request_id(restore_logging):
    stream = io.StringIO()
    logger = _json_logger(stream)
    token = REQUEST_ID.set("req-42")
    try:
        logger.warning("余额 %s 元", "12.50")
    finally:
        REQUEST_ID.reset(token)
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "capture"
    assert first["message"] == "余额 12.50 元" and first["request_id"] == "req-42"
    assert first["time"].endswith("+00:00")
    assert second["request_id"] == "" and "ValueError: boom" in second["exc_info"]


def test_a_task_queued_in_a_request_carries_its_id_through_the_broker(monkeypatch):
    """Published through the real Redis: the message's headers hold the id."""
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    queue = "request-id-test"
    token = REQUEST_ID.set("req-77")
    try:
        request_id_probe.apply_async(queue=queue)
    finally:
        REQUEST_ID.reset(token)
    with app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        try:
            message = simple.get(timeout=5)
            message.ack()
        finally:
            simple.clear()
            simple.close()
    assert message.headers["request_id"] == "req-77"


def test_the_task_runs_under_the_id_it_carries_and_forgets_it_after():
    assert request_id_probe.apply(headers={"request_id": "req-88"}).get() == "req-88"
    assert REQUEST_ID.get() == ""
    assert request_id_probe.apply().get() == ""
