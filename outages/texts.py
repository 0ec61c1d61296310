"""The words of outage notices, in the contact's language (Simplified Chinese by default)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outages.models import ImpactLevel, NotificationKind, PlannedOutage

# Customers without a manager phone are sent to the national service hotline.
FALLBACK_PHONE = "95598"


@dataclass(frozen=True)
class NoticeContext:
    outage: PlannedOutage
    feeders: str  # "10kV 1号线、10kV 2号线"
    customer_name: str
    impact: str | None  # full / partial / None when no longer affected
    manager_name: str
    manager_phone: str
    confirm_url: str


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _who_to_call(ctx: NoticeContext) -> str:
    """The sentence naming whom to call: the manager and their phone, whichever is known, and
    the service hotline for what is not (a customer without a manager, a manager without a
    phone)."""
    if ctx.manager_name and ctx.manager_phone:
        return _("Your account manager is %(manager)s, phone %(phone)s.")
    if ctx.manager_name:
        return _(
            "Your account manager is %(manager)s; for help, call the service hotline %(hotline)s."
        )
    if ctx.manager_phone:
        return _("Your account manager's phone is %(phone)s.")
    return _("For help, call the service hotline %(hotline)s.")


def render(kind: str, ctx: NoticeContext, *, language: str) -> tuple[str, str]:
    """(subject, body) of a notice of `kind` in `language` (zh-hans or en)."""
    with translation.override(language or "zh-hans"):
        # Chinese sentences follow one another without a space.
        sep = "" if translation.get_language().startswith("zh") else " "
        outage = ctx.outage
        where = ctx.feeders + (f" · {outage.area}" if outage.area else "")
        values = {
            "ref": outage.reference,
            "customer": ctx.customer_name,
            "reason": outage.reason,
            "where": where,
            "start": _when(outage.start),
            "end": _when(outage.end),
            "restored": _when(outage.completed_at or timezone.now()),
            "manager": ctx.manager_name,
            "phone": ctx.manager_phone,
            "hotline": FALLBACK_PHONE,
            "link": ctx.confirm_url,
        }
        if kind == NotificationKind.NOTICE:
            subject = _("Outage notice %(ref)s") % values
            body = (
                _(
                    "Outage notice %(ref)s for %(customer)s: because of %(reason)s, supply from "
                    "%(where)s will be cut from %(start)s to %(end)s. Supply is expected back by "
                    "%(end)s."
                )
                % values
            )
        elif kind == NotificationKind.CHANGE:
            subject = _("Outage %(ref)s rescheduled") % values
            body = (
                _(
                    "Change to outage %(ref)s for %(customer)s: supply from %(where)s will now be "
                    "cut from %(start)s to %(end)s. Supply is expected back by %(end)s."
                )
                % values
            )
        elif kind == NotificationKind.CANCELLATION and ctx.impact is None:
            subject = _("Outage %(ref)s no longer affects you") % values
            body = (
                _(
                    "Outage %(ref)s (%(start)s to %(end)s) no longer affects the supply of "
                    "%(customer)s; supply continues as normal."
                )
                % values
            )
        elif kind == NotificationKind.CANCELLATION:
            subject = _("Outage %(ref)s cancelled") % values
            body = (
                _(
                    "Outage %(ref)s for %(customer)s (%(where)s, %(start)s to %(end)s) is "
                    "cancelled; supply continues as normal."
                )
                % values
            )
        elif kind == NotificationKind.RESTORATION:
            subject = _("Supply restored after outage %(ref)s") % values
            body = (
                _(
                    "Supply to %(customer)s from %(where)s was restored at %(restored)s after "
                    "outage %(ref)s."
                )
                % values
            )
        else:
            raise ValueError(f"unknown notice kind {kind!r}")
        if ctx.impact == ImpactLevel.PARTIAL and kind in (
            NotificationKind.NOTICE,
            NotificationKind.CHANGE,
        ):
            body += sep + _(
                "Your site stays supplied from another feeder; check that the transfer is ready."
            )
        body += sep + _who_to_call(ctx) % values
        body += sep + _("Please confirm receipt: %(link)s") % values
        return subject, body
