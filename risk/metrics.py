"""The risk scans' figures in `/metrics` (common/metrics.py), read when scraped."""

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from risk.models import RiskScan, RiskScanStatus


def scan_durations() -> Iterable[Metric]:
    """The last finished scan of each trigger: how long it took and when it ended."""
    took = GaugeMetricFamily(
        "crm_risk_scan_duration_seconds",
        "Duration of the last finished arrears-risk scan, by what started it.",
        labels=["trigger"],
    )
    ended = GaugeMetricFamily(
        "crm_risk_scan_finished_timestamp_seconds",
        "When the last finished arrears-risk scan ended (Unix time), by what started it.",
        labels=["trigger"],
    )
    last = (
        RiskScan.objects.filter(
            status=RiskScanStatus.DONE, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("trigger", "-finished_at")
        .distinct("trigger")
        .values_list("trigger", "started_at", "finished_at")
    )
    for trigger, started, finished in last:
        assert started is not None and finished is not None  # filtered above
        took.add_metric([trigger], (finished - started).total_seconds())
        ended.add_metric([trigger], finished.timestamp())
    yield took
    yield ended
