"""The notices' figures in `/metrics` (common/metrics.py), counted when scraped."""

from collections.abc import Iterable

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily, Metric

from outages.models import Notification


def notices_by_channel_and_outcome() -> Iterable[Metric]:
    family = GaugeMetricFamily(
        "crm_notices",
        "Outage notices by channel and outcome (their status now).",
        labels=["channel", "status"],
    )
    rows = Notification.objects.order_by().values_list("channel", "status").annotate(n=Count("id"))
    for channel, status, count in rows:
        family.add_metric([channel, status], count)
    yield family
