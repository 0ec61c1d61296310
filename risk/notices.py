"""Telling managers and supervisors what a scan found: the digests of customers whose level rose
(in-app notices and e-mail) and the follow-ups raised when an override expires on a higher
level."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    OuterRef,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts_manager.models import Notice, User
from accounts_manager.services import notify_user, raise_followup, supervisor_of
from common.roles import Role
from customers.models import Assignment, RiskLevel
from risk.models import (
    RiskAssessment,
    RiskOverride,
    RiskScan,
)
from risk.selectors import shown_level

logger = logging.getLogger(__name__)


# --- telling managers and supervisors --------------------------------------------------------

DIGEST_LINES = 20


@dataclass
class _Digest:
    count: int = 0
    lines: list[str] = field(default_factory=list)


def _riser_line(account_no: str, name: str, level: str, score: int) -> str:
    return _("%(account_no)s %(name)s: %(level)s, score %(score)s") % {
        "account_no": account_no,
        "name": name,
        "level": RiskLevel(level).label,
        "score": score,
    }


def _supervisor_expression():
    """The supervisor who answers for the row's customer, as accounts_manager.services.
    supervisor_of() decides: the manager's active supervisor, else the region's first."""

    via_manager = Assignment.objects.filter(
        customer_id=OuterRef("customer_id"),
        end__isnull=True,
        manager__supervisor__isnull=False,
        manager__supervisor__is_active=True,
    ).values("manager__supervisor_id")[:1]
    via_region = (
        User.objects.filter(
            groups__name=Role.SUPERVISOR, is_active=True, region_id=OuterRef("customer__region_id")
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    return Coalesce(Subquery(via_manager), Subquery(via_region), output_field=BigIntegerField())


def _digests(scan: RiskScan) -> dict[int, _Digest]:
    """{supervisor id: digest} of a scan's risers: the number of each supervisor's risers and
    the lines of at most DIGEST_LINES of them, highest score first (counted and cut in SQL)."""
    by_supervisor = [F("supervisor")]
    rows = (
        RiskAssessment.objects.filter(scan=scan, rose=True)
        .annotate(supervisor=_supervisor_expression())
        .filter(supervisor__isnull=False)
        .annotate(
            shown=shown_level(),
            rank=Window(
                RowNumber(),
                order_by=[F("score").desc(), F("customer__account_no")],
                partition_by=by_supervisor,
            ),
            risers=Window(Count("pk"), partition_by=by_supervisor),
        )
        .filter(rank__lte=DIGEST_LINES)
        .order_by("supervisor", "rank")
        .values_list(
            "supervisor", "risers", "customer__account_no", "customer__name", "shown", "score"
        )
    )
    digests: dict[int, _Digest] = {}
    for supervisor, risers, account_no, name, shown, score in rows:
        digest = digests.setdefault(supervisor, _Digest(count=risers, lines=[]))
        digest.lines.append(_riser_line(account_no, name, shown, score))
    return digests


def _digest_text(digest: _Digest) -> tuple[str, str]:
    title = ngettext(
        "Risk scan: %(n)d customer rose to high or critical risk",
        "Risk scan: %(n)d customers rose to high or critical risk",
        digest.count,
    ) % {"n": digest.count}
    lines = list(digest.lines or [])
    if digest.count > len(lines):
        lines.append(_("… and %(n)d more") % {"n": digest.count - len(lines)})
    return title, "\n".join(lines)


def notify_supervisors_of_risers(scan: RiskScan) -> None:
    """One in-app notice per supervisor listing the scan's risers among their customers; an
    e-mail digest goes to each after the commit."""
    from django.urls import reverse

    with translation.override(settings.LANGUAGE_CODE):
        digests = _digests(scan)
        if not digests:
            return
        link = f"{reverse('risk:overview')}?scan={scan.pk}"
        key = f"risk-scan:{scan.pk}"
        notices = []
        for supervisor_id, digest in digests.items():
            title, body = _digest_text(digest)
            notices.append(
                Notice(recipient_id=supervisor_id, key=key, title=title[:200], body=body, link=link)
            )
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    transaction.on_commit(lambda: _email_digests(key, link))


def _email_digests(key: str, link: str) -> None:
    """E-mail each notice of a scan to its recipient (after the scan committed). A failure is
    logged and leaves `emailed_at` empty; the in-app notice stands."""
    from django.core.mail import EmailMessage, get_connection

    notices = list(
        Notice.objects.filter(key=key, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    if not notices:
        return
    with translation.override(settings.LANGUAGE_CODE):
        url = settings.PUBLIC_BASE_URL.rstrip("/") + link
        footer = _("Open the risk overview: %(url)s") % {"url": url}
    messages = [
        EmailMessage(subject=n.title, body=f"{n.body}\n\n{footer}", to=[n.recipient.email])
        for n in notices
    ]
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("risk digest e-mails for %s could not be sent", key)
        return
    Notice.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())


def raise_expiry_rise(override: RiskOverride, *, level: str, score, now: dt.datetime) -> None:
    """An override ended and the computed level, high or critical, shows again."""
    from django.urls import reverse

    customer = override.customer
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("Arrears risk rose to %(level)s (score %(score)s)") % {
            "level": RiskLevel(level).label,
            "score": score,
        }
        title = _("Override ended: %(customer)s shows %(level)s risk") % {
            "customer": customer.name,
            "level": RiskLevel(level).label,
        }
    raise_followup(
        customer,
        kind="risk",
        source=f"risk:{customer.pk}",
        summary=summary,
        due_at=now + settings.RISK_FOLLOWUP_DUE,
    )
    supervisor = supervisor_of(customer)
    if supervisor is not None:
        notify_user(
            supervisor,
            key=f"risk-override-expired:{override.pk}",
            title=title,
            body=_riser_line(customer.account_no, customer.name, level, score),
            link=reverse("customers:detail", args=[customer.pk]),
        )
