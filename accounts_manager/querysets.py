"""Who sees which users and managers."""

from django.db.models import Count, Q

from common.roles import Role, role_of, sees_everything


def managers_queryset():
    from accounts_manager.models import User

    return User.objects.filter(groups__name=Role.ACCOUNT_MANAGER)


def visible_managers(user):
    """Account managers `user` may see: all for oversight roles, a region for a supervisor,
    oneself for a manager."""
    qs = managers_queryset()
    role = role_of(user)
    if role is None:
        return qs.none()
    if sees_everything(user):
        return qs
    if role == Role.SUPERVISOR:
        return qs.filter(Q(region_id=user.region_id) | Q(supervisor_id=user.pk))
    if role == Role.ACCOUNT_MANAGER:
        return qs.filter(pk=user.pk)
    return qs.none()


def with_customer_count(qs):
    return qs.annotate(customer_count=Count("assignments", filter=Q(assignments__end__isnull=True)))
