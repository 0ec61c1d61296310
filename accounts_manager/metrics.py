"""The 企业微信 messages' figures in `/metrics` (common/metrics.py), counted when scraped."""

from collections.abc import Iterable

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily, Metric

from accounts_manager.models import WeComMessage


def staff_messages_by_status() -> Iterable[Metric]:
    family = GaugeMetricFamily(
        "crm_staff_messages",
        "Messages to staff by channel and outcome (their status now).",
        labels=["channel", "status"],
    )
    rows = WeComMessage.objects.order_by().values_list("status").annotate(n=Count("id"))
    for status, count in rows:
        family.add_metric(["wecom", status], count)
    yield family
