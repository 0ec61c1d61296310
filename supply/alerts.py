"""Acting before the complaint: the scheduled scan of every key account against the supply
thresholds (settings SUPPLY_*), opening an episode and one proactive follow-up in the
manager's "my day" when an account passes one, and ending the episode when it is back under.

Set-based: the figures of every customer come from two statements (supply.selectors), so the
number of queries does not grow with the customers; only the accounts that newly passed a
threshold are handled one by one (their follow-up).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts_manager.models import FollowUpKind
from accounts_manager.services import raise_followup
from common.actors import SYSTEM, Actor
from common.moments import shift_months
from customers.models import Customer
from supply import policy, selectors
from supply.models import AlertRule, QualityEpisode
from supply.selectors import Period

# One scan at a time: a second run waits for nothing and skips (the next one catches up).
_LOCK_KEY = 0x5350_4C59  # "SPLY"


@dataclass
class ScanResult:
    opened: int = 0
    closed: int = 0
    skipped: bool = False


def scan_supply_quality(
    *, acting_user: Actor = SYSTEM, now: dt.datetime | None = None
) -> ScanResult:
    """Open an episode (and its follow-up) per active customer newly over a threshold; close
    the episodes of those back under every figure of their rule."""
    policy.check(acting_user, "scan")
    now = now or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
            if not cursor.fetchone()[0]:
                return ScanResult(skipped=True)
        over = customers_over(now)
        active = set(
            Customer.objects.active()
            .filter(pk__in={cid for by_rule in over.values() for cid in by_rule})
            .values_list("pk", flat=True)
        )
        open_episodes = {(e.customer_id, e.rule): e for e in QualityEpisode.objects.open()}
        ended = [e.pk for (cid, rule), e in open_episodes.items() if cid not in over.get(rule, {})]
        QualityEpisode.objects.filter(pk__in=ended).update(closed_at=now)
        new = [
            QualityEpisode(customer_id=cid, rule=rule, opened_at=now, figures=figures)
            for rule, by_customer in over.items()
            for cid, figures in by_customer.items()
            if cid in active and (cid, rule) not in open_episodes
        ]
        QualityEpisode.objects.bulk_create(new)
        _raise_followups(new, now=now)
    return ScanResult(opened=len(new), closed=len(ended))


def customers_over(now: dt.datetime) -> dict[str, dict[int, dict]]:
    """{rule: {customer id: its figures}} for every customer over a threshold now."""
    fault_days = settings.SUPPLY_FAULT_WINDOW_DAYS
    off_days = settings.SUPPLY_MINUTES_OFF_WINDOW_DAYS
    periods = [
        Period("faults", now - dt.timedelta(days=fault_days), now),
        Period("minutes", now - dt.timedelta(days=off_days), now),
    ]
    figures = selectors.interruption_figures(periods, now=now)
    over: dict[str, dict[int, dict]] = {rule: {} for rule in AlertRule.values}
    for (cid, key), row in figures.items():
        if key == "faults" and row.fault >= settings.SUPPLY_FAULT_INTERRUPTIONS:
            over[AlertRule.FAULTS][cid] = {"fault": row.fault, "days": fault_days}
        if key == "minutes" and row.minutes_off > settings.SUPPLY_MINUTES_OFF:
            over[AlertRule.MINUTES_OFF][cid] = {
                "minutes_off": round(row.minutes_off),
                "days": off_days,
            }
    month = shift_months(timezone.localdate(now).replace(day=1), -1)
    last = shift_months(month, 1) - dt.timedelta(days=1)
    voltage = selectors.voltage_by_month(month, last, by="point__customer_id")
    limit = settings.SUPPLY_VOLTAGE_PASS_RATE
    for (cid, _month), (monitored, outside) in voltage.items():
        rate = 100 * (monitored - outside) / monitored if monitored else None
        if rate is not None and rate < limit:
            over[AlertRule.VOLTAGE][cid] = {"pass_rate": round(rate, 2), "month": f"{month:%Y-%m}"}
    return over


def summary_of(rule: str, figures: dict) -> str:
    if rule == AlertRule.FAULTS:
        return _("Supply quality: %(n)d fault interruptions in %(days)d days — call or visit.") % {
            "n": figures["fault"],
            "days": figures["days"],
        }
    if rule == AlertRule.MINUTES_OFF:
        return _(
            "Supply quality: %(m)d minutes without supply in %(days)d days — call or visit."
        ) % {
            "m": figures["minutes_off"],
            "days": figures["days"],
        }
    return _("Supply quality: voltage pass rate %(rate)s%% in %(month)s — call or visit.") % {
        "rate": figures["pass_rate"],
        "month": figures["month"],
    }


def _raise_followups(episodes: list[QualityEpisode], *, now: dt.datetime) -> None:
    if not episodes:
        return
    customers = Customer.objects.in_bulk([e.customer_id for e in episodes])
    due = now + dt.timedelta(hours=settings.SUPPLY_FOLLOWUP_DUE_HOURS)
    with translation.override(settings.LANGUAGE_CODE):
        for episode in episodes:
            customer = customers[episode.customer_id]
            episode.followup, _created = raise_followup(
                customer,
                kind=FollowUpKind.SUPPLY_QUALITY,
                source=f"supply:{episode.rule}:{episode.pk}",
                summary=summary_of(episode.rule, episode.figures),
                due_at=due,
                link=customer.get_absolute_url(),
            )
    QualityEpisode.objects.bulk_update(episodes, ["followup"])


def open_episodes_for(user):
    """The open episodes the user sees, with their customer and follow-up (supervisors)."""
    return (
        QualityEpisode.objects.open()
        .visible_to(user)
        .select_related("customer", "followup", "followup__manager")
        .order_by("-opened_at", "-id")
    )
