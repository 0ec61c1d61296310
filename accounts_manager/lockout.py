"""Log-in lockout (django-axes) with two limits.

- A username from one address: AXES_FAILURE_LIMIT failures lock that pair out for
  AXES_COOLOFF_TIME; the same username from another address can still log in, so nobody can
  lock a colleague (or `admin`) out for everyone.
- One address over every username: AXES_ADDRESS_FAILURE_LIMIT failures (higher) lock the
  address out, so that one address cannot try a password on any number of usernames.

axes compares one number with one limit, so the address's failures are expressed in units of
the pair limit: floor(failures × pair limit / address limit) reaches the pair limit exactly
when the failures reach the address limit. Addresses come from common.client_address.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    def _failures_by_parameter(self, request, credentials) -> list[tuple[object, int]]:
        parameters = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)
        return [
            (parameter, queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0)
            for parameter, queryset in zip(parameters, attempts, strict=True)
        ]

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair_limit = get_failure_limit(request, credentials)
        address_limit = max(settings.AXES_ADDRESS_FAILURE_LIMIT, pair_limit)
        counted = []
        for parameter, failures in self._failures_by_parameter(request, credentials):
            if parameter == "ip_address":
                failures = failures * pair_limit // address_limit
            counted.append(failures)
        return max(counted, default=0)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful log-in clears that username's failures from that address only.

        axes would clear every filter, the address's failures over all usernames included,
        so an attacker could wipe its count by logging into its own account now and then.
        """
        from axes.models import AccessAttempt

        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count
