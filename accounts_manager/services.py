"""What the business does with users, portfolios, the work queue and in-app notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts_manager import policy
from accounts_manager.models import (
    FollowUp,
    FollowUpStatus,
    ManagerProfile,
    Notice,
    NoticeCategory,
    User,
)
from accounts_manager.staff_messages import queue_wecom_message
from common.actors import Actor, person
from common.errors import DomainError
from common.moments import check_date
from common.roles import GROUP_ROLES, Role, remember_role, role_of
from customers.models import Assignment
from customers.portfolios import current_assignment

# --- API tokens ------------------------------------------------------------------------------


class LockedOut(DomainError):
    """Too many failed logins for this username from this address (HTTP 429)."""

    status_code = 429


def issue_api_token(*, request: HttpRequest, username: str, password: str) -> str:
    """The API token of the user with these credentials, created on first use.

    django-axes counts a failure and locks the username and address out after
    AXES_FAILURE_LIMIT of them; a success counts as a login and resets the count.
    """
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        # Answered here as a JSON 429; without this axes' middleware would replace the answer
        # with its HTML lockout page.
        # The flag is django-axes' own attribute, set at run time and unknown to HttpRequest.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise LockedOut(
            "locked_out",
            _("Too many failed attempts; sign-in from your address is blocked for a while."),
        )
    if user is None or not user.is_active:
        raise DomainError(
            "invalid_credentials",
            _("Unable to log in with the given credentials."),
            field="non_field_errors",
        )
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    token, _created = Token.objects.get_or_create(user=user)
    return token.key


# --- users -----------------------------------------------------------------------------------

USER_FIELDS = ("name", "email", "employee_no", "region", "supervisor", "phone")


def set_user_role(user: User, *, role: str) -> None:
    """Make `user` hold exactly `role` (a group name, or `admin` for a superuser)."""
    if role not in {r.value for r in Role}:
        raise DomainError(
            "invalid_role", _("Unknown role %(role)s.") % {"role": role}, field="role"
        )
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in GROUP_ROLES])}
    for name in [r.value for r in GROUP_ROLES]:
        groups.setdefault(name, Group.objects.get_or_create(name=name)[0])
    user.groups.remove(*[g for name, g in groups.items() if name != role])
    is_admin = role == Role.ADMIN
    if user.is_superuser != is_admin or user.is_staff != is_admin:
        user.is_superuser = is_admin
        user.is_staff = is_admin
        user.save(update_fields=["is_superuser", "is_staff"])
    if not is_admin:
        user.groups.add(groups[role])
    if role == Role.ACCOUNT_MANAGER:
        ManagerProfile.objects.get_or_create(user=user)
    remember_role(user, Role(role))


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None,
    role: str,
    acting_user: Actor,
    is_active: bool = True,
    **fields,
) -> User:
    """Create a user with a role; an account manager also gets a manager profile."""
    policy.check(acting_user, "manage_users")
    user = User(
        username=username,
        is_active=is_active,
        **{k: v for k, v in fields.items() if k in USER_FIELDS},
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    set_user_role(user, role=role)
    return user


@transaction.atomic
def update_user(
    user: User,
    *,
    acting_user: Actor,
    role: str | None = None,
    password: str | None = None,
    **fields,
) -> User:
    """Change a user. Deactivating a manager who still has a portfolio is refused, and so is
    an administrator deactivating themselves or changing their own role."""
    policy.check_user_change(acting_user, user, fields=fields, role=role)
    user = User.objects.select_for_update().get(pk=user.pk)
    changed: list[str] = []
    for name, value in fields.items():
        if name in (*USER_FIELDS, "is_active", "username") and getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if "is_active" in changed and not user.is_active:
        open_count = Assignment.objects.open().filter(manager=user).count()
        if open_count:
            raise DomainError(
                "manager_has_portfolio",
                _(
                    "This manager still has %(n)d customers. Hand the portfolio over to "
                    "another manager before deactivating the account."
                )
                % {"n": open_count},
                field="is_active",
            )
        if hasattr(user, "manager_profile"):
            user.manager_profile.left_on = timezone.localdate()
            user.manager_profile.save(update_fields=["left_on", "updated_at"])
    if password:
        user.set_password(password)
        changed.append("password")
    if changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    if role is not None and role != role_of(user):
        if (
            role_of(user) == Role.ACCOUNT_MANAGER
            and Assignment.objects.open().filter(manager=user).exists()
        ):
            raise DomainError(
                "manager_has_portfolio",
                _("Hand this manager's portfolio over before changing the role."),
                field="role",
            )
        set_user_role(user, role=role)
    return user


# --- the work queue --------------------------------------------------------------------------


def raise_followup(
    customer,
    *,
    kind: str,
    source: str,
    summary: str,
    due_at: dt.datetime,
    manager: User | None = None,
    link: str = "",
) -> tuple[FollowUp, bool]:
    """Open a follow-up, or return the open one for the same customer, kind and source.

    The manager defaults to the customer's current account manager, who also hears of a new
    follow-up on 企业微信 when they chose to (accounts_manager.staff_messages).
    """
    existing = FollowUp.objects.open().filter(customer=customer, kind=kind, source=source).first()
    if existing is not None:
        return existing, False
    if manager is None:
        current = current_assignment(customer)
        manager = current.manager if current else None
    try:
        with transaction.atomic():
            followup = FollowUp.objects.create(
                customer=customer,
                manager=manager,
                kind=kind,
                source=source,
                summary=summary[:500],
                due_at=due_at,
                link=link,
            )
    except IntegrityError:
        # Raised concurrently by another worker: the constraint kept it single.
        return FollowUp.objects.open().get(customer=customer, kind=kind, source=source), False
    if manager is not None:
        _tell_manager_of_followup(followup, manager=manager)
    return followup, True


def _tell_manager_of_followup(followup: FollowUp, *, manager: User) -> None:
    due = timezone.localtime(followup.due_at)
    queue_wecom_message(
        manager,
        key=f"followup:{followup.pk}",
        category=NoticeCategory.FOLLOWUP,
        title=_("New follow-up: %(kind)s") % {"kind": followup.get_kind_display()},
        body=_("%(customer)s: %(summary)s\nDue %(due)s")
        % {
            "customer": followup.customer,
            "summary": followup.summary,
            "due": f"{due:%Y-%m-%d %H:%M}",
        },
        link=followup.link or followup.customer.get_absolute_url(),
        # An escalation posts a notice and raises a follow-up under the same name: one message.
        unless_sent=f"notice:{followup.source}" if followup.source else "",
    )


@transaction.atomic
def close_followup(
    followup: FollowUp,
    *,
    status: str = FollowUpStatus.DONE,
    acting_user: Actor,
    note: str = "",
) -> FollowUp:
    policy.check(acting_user, "work_queue")
    if status not in (FollowUpStatus.DONE, FollowUpStatus.CANCELLED):
        raise DomainError(
            "invalid_status", _("A follow-up is closed as done or cancelled."), field="status"
        )
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.status != FollowUpStatus.OPEN:
        if followup.status == status:
            return followup
        raise DomainError("already_closed", _("This follow-up is already closed."), field="status")
    followup.status = status
    followup.closed_at = timezone.now()
    followup.closed_by = person(acting_user)
    fields = ["status", "closed_at", "closed_by", "updated_at"]
    if note:
        followup.note = note
        fields.append("note")
    followup.save(update_fields=fields)
    return followup


FOLLOWUP_EDITABLE_FIELDS = ("due_at", "summary", "note")


@transaction.atomic
def update_followup(
    followup: FollowUp,
    *,
    acting_user: Actor,
    status: str | None = None,
    **fields,
) -> FollowUp:
    """Edit a follow-up's due time, summary or note, and close it when `status` says so.

    A closed follow-up is never reopened; closing one that is already closed the same way is
    a no-op.
    """
    policy.check(acting_user, "work_queue")
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    unknown = set(fields) - set(FOLLOWUP_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if status == FollowUpStatus.OPEN and followup.status != FollowUpStatus.OPEN:
        raise DomainError(
            "cannot_reopen", _("A closed follow-up cannot be reopened."), field="status"
        )
    check_date(fields.get("due_at"), field="due_at", kind="planned")
    changed = [name for name, value in fields.items() if getattr(followup, name) != value]
    for name in changed:
        setattr(followup, name, fields[name])
    if changed:
        followup.full_clean(exclude=["customer", "manager", "closed_by"])
        followup.save(update_fields=[*changed, "updated_at"])
    if status is not None and status != FollowUpStatus.OPEN:
        followup = close_followup(followup, status=status, acting_user=acting_user)
    return followup


def close_followups_for_source(
    *, source: str, kinds: Iterable[str] | None = None, status: str = FollowUpStatus.DONE
) -> int:
    """Close the open follow-ups a resolved matter raised (e.g. a kept promise)."""
    qs = FollowUp.objects.open().filter(source=source)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return qs.update(status=status, closed_at=timezone.now(), updated_at=timezone.now())


# --- in-app notices --------------------------------------------------------------------------


def notify_user(
    recipient: User,
    *,
    key: str,
    title: str,
    body: str = "",
    link: str = "",
    category: str = NoticeCategory.OTHER,
) -> tuple[Notice, bool]:
    """Post an in-app notice once per recipient and key.

    A new notice also goes to the recipient on 企业微信 when the channel is on and they want
    notices of this `category` (sent by a task after the commit, never here).
    """
    notice, created = Notice.objects.get_or_create(
        recipient=recipient,
        key=key[:150],
        defaults={"title": title[:200], "body": body, "link": link},
    )
    if created:
        queue_wecom_message(
            recipient,
            key=f"notice:{notice.key}",
            category=category,
            title=notice.title,
            body=body,
            link=link,
        )
    return notice, created


def supervisor_of(customer) -> User | None:
    """The supervisor who answers for `customer`: its manager's, else one of its region."""
    current = (
        Assignment.objects.open()
        .filter(customer=customer)
        .select_related("manager__supervisor")
        .first()
    )
    if current and current.manager.supervisor_id and current.manager.supervisor.is_active:
        return current.manager.supervisor
    return (
        User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True)
        .filter(region_id=customer.region_id)
        .order_by("pk")
        .first()
    )


def supervisors_of_regions(region_ids: Iterable[int]) -> list[User]:
    """The active supervisors of these regions; when none, those who oversee every region."""
    supervisors = User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).order_by("pk")
    regional = list(supervisors.filter(region_id__in=list(region_ids)))
    return regional or list(supervisors.filter(region__isnull=True))


def mark_notices_read(user: User, *, ids: Iterable[int] | None = None) -> int:
    qs = Notice.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
