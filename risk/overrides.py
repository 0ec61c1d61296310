"""Manual overrides of a customer's risk level: set by the customer's manager or a supervisor
with a reason and an expiry, ended by hand or by the expiry job. Each service checks
risk.policy and writes the customer's change history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import (
    OuterRef,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.actors import Actor, person
from common.errors import DomainError
from customers.history import (
    job_reason,
    register_job,
    update_with_history,
)
from customers.locks import lock_customers
from customers.models import Customer, RiskLevel
from risk import policy
from risk.models import (
    ALERT_LEVELS,
    RiskAssessment,
    RiskOverride,
    RiskOverrideEnd,
    level_rank,
)
from risk.notices import raise_expiry_rise

# The customer's change history names the expiry job as the author of its writes.
OVERRIDE_EXPIRY_JOB = "risk_override_expiry"
register_job(OVERRIDE_EXPIRY_JOB, gettext_lazy("Expiry of risk overrides (scheduled job)"))


# --- overrides -------------------------------------------------------------------------------


def _latest_levels(customer_ids) -> dict[int, tuple[str, int]]:
    """{customer id: (level, score)} of the latest finished scan of each customer."""
    latest = (
        RiskAssessment.objects.published().filter(customer_id=OuterRef("pk")).order_by("-scan_id")
    )
    return {
        pk: (level, score)
        for pk, level, score in Customer.objects.filter(pk__in=customer_ids)
        .annotate(
            latest_level=Subquery(latest.values("level")[:1]),
            latest_score=Subquery(latest.values("score")[:1]),
        )
        .filter(latest_level__isnull=False)
        .values_list("pk", "latest_level", "latest_score")
    }


def _check_override_input(level: str, reason: str, expires_at: dt.datetime, now) -> None:
    if level not in RiskLevel.values:
        raise DomainError(
            "invalid_level",
            _("Choose one of the levels: %(levels)s.") % {"levels": ", ".join(RiskLevel.values)},
            field="level",
        )
    if not reason.strip():
        raise DomainError("reason_required", _("Give the reason for the override."), field="reason")
    if timezone.is_naive(expires_at):
        raise DomainError("naive_time", _("Give the time with its time zone."), field="expires_at")
    if expires_at <= now:
        raise DomainError("in_past", _("The expiry must be in the future."), field="expires_at")
    longest = dt.timedelta(days=settings.RISK_OVERRIDE_MAX_DAYS)
    if expires_at > now + longest:
        raise DomainError(
            "too_long",
            _("An override lasts at most %(days)d days.") % {"days": longest.days},
            field="expires_at",
        )


@transaction.atomic
def set_risk_override(
    customer: Customer,
    *,
    level: str,
    reason: str,
    expires_at: dt.datetime | None = None,
    acting_user: Actor,
) -> RiskOverride:
    """Show `level` for the customer instead of the computed one until `expires_at` (default
    RISK_OVERRIDE_DEFAULT_DAYS from now). An override in force is replaced; both stay in the
    history. Refused unless `acting_user` may override this customer's level."""
    policy.check_customer(acting_user, customer, "override")
    now = timezone.now()
    expires_at = expires_at or now + dt.timedelta(days=settings.RISK_OVERRIDE_DEFAULT_DAYS)
    reason = (reason or "").strip()
    _check_override_input(level, reason, expires_at, now)
    lock_customers([customer.pk])
    RiskOverride.objects.filter(customer=customer, ended_at__isnull=True).update(
        ended_at=now, end_reason=RiskOverrideEnd.REPLACED, ended_by=person(acting_user)
    )
    override = RiskOverride.objects.create(
        customer=customer,
        level=level,
        reason=reason,
        expires_at=expires_at,
        set_by=person(acting_user),
        created_at=now,
    )
    update_with_history(
        Customer.objects.filter(pk=customer.pk), user=person(acting_user), risk_level=level
    )
    customer.risk_level = level
    return override


@transaction.atomic
def end_risk_override(customer: Customer, *, acting_user: Actor) -> RiskOverride:
    """End the customer's override now; the customer shows its computed level again."""
    policy.check_customer(acting_user, customer, "override")
    now = timezone.now()
    lock_customers([customer.pk])
    override = RiskOverride.objects.in_force(now).filter(customer=customer).first()
    if override is None:
        raise DomainError("no_override", _("The customer's level is not overridden."))
    override.ended_at = now
    override.end_reason = RiskOverrideEnd.CLEARED
    override.ended_by = person(acting_user)
    override.save(update_fields=["ended_at", "end_reason", "ended_by"])
    level, _score = _latest_levels([customer.pk]).get(customer.pk, (None, None))
    update_with_history(
        Customer.objects.filter(pk=customer.pk), user=person(acting_user), risk_level=level
    )
    customer.risk_level = level
    return override


def expire_risk_overrides(*, now: dt.datetime | None = None) -> int:
    """Close the overrides past their expiry and show the computed level again.

    A customer whose computed level is high or critical and above the override's gets a
    follow-up and its supervisor a notice, as on a rise found by a scan. Run every minute by
    beat and at the start of every scan.
    """
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(
            RiskOverride.objects.select_for_update(skip_locked=True)
            .filter(ended_at__isnull=True, expires_at__lte=now)
            .select_related("customer")
            .order_by("pk")
        )
        if not expired:
            return 0
        customer_ids = [o.customer_id for o in expired]
        latest = _latest_levels(customer_ids)
        RiskOverride.objects.filter(pk__in=[o.pk for o in expired]).update(
            ended_at=now, end_reason=RiskOverrideEnd.EXPIRED
        )
        newest = RiskAssessment.objects.published().filter(customer_id=OuterRef("pk"))
        update_with_history(
            Customer.objects.filter(pk__in=customer_ids),
            job=job_reason(OVERRIDE_EXPIRY_JOB),
            now=now,
            risk_level=Subquery(newest.order_by("-scan_id").values("level")[:1]),
        )
        for override in expired:
            level, score = latest.get(override.customer_id, (None, None))
            if level in ALERT_LEVELS and level_rank(level) > level_rank(override.level):
                raise_expiry_rise(override, level=level, score=score, now=now)
    return len(expired)
