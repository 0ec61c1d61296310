"""Visit pages: the list (what is due, overdue first, and what was done), recording a visit
with its optional survey, the plan, and the customer page's tab. Views parse input and call
visits.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts_manager.forms import attach_domain_error
from accounts_manager.models import User
from common.errors import DomainError
from common.policy import allowed_to
from customers.models import Customer, Importance
from visits import services as visits
from visits.forms import VisitForm, VisitPlanFilterForm
from visits.models import VisitPlanStatus
from visits.policy import POLICY

PAGE_SIZE = 25


def _managers_by_id(plans) -> dict[int, User]:
    """The current managers of a page of plan items (one query)."""
    ids = {p.manager_id_open for p in plans if p.manager_id_open}
    return {u.pk: u for u in User.objects.filter(pk__in=ids)}


def _plan_rows(plans, today):
    managers = _managers_by_id(plans)
    return [
        {
            "plan": p,
            "manager": managers.get(p.manager_id_open),
            "overdue": p.status == VisitPlanStatus.PLANNED and p.due_date < today,
            "overdue_days": (today - p.due_date).days,
        }
        for p in plans
    ]


@allowed_to(POLICY, "view")
@require_GET
def visit_list(request):
    """Visits due (overdue first) and, on the second tab, the visits recorded."""
    today = timezone.localdate()
    tab = "done" if request.GET.get("tab") == "done" else "due"
    plans = visits.plans_visible_to(request.user)
    form = VisitPlanFilterForm(request.GET or None, user=request.user)
    counts = visits.plan_counts(plans, today)
    context = {
        "tab": tab,
        "form": form,
        "counts": counts,
        "today": today,
        "can_record": POLICY.allows(request.user, "record_visit"),
    }
    if tab == "due":
        queryset = form.apply(plans, today).order_by("due_date", "customer__name", "pk")
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page_obj=page, rows=_plan_rows(page.object_list, today))
    else:
        done = visits.visits_visible_to(request.user).order_by("-visited_at", "-pk")
        q = request.GET.get("q", "").strip()
        if q:
            done = done.search(q)
        page = Paginator(done, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page_obj=page, visits=page.object_list)
    return render(request, "visits/visit_list.html", context)


@allowed_to(POLICY, "record_visit")
@require_http_methods(["GET", "POST"])
def visit_create(request):
    initial = {}
    customer_pk = request.GET.get("customer", "")
    if customer_pk.isdigit():
        customer = Customer.objects.visible_to(request.user).filter(pk=customer_pk).first()
        if customer is not None:
            initial["account_no"] = customer.account_no
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    form = VisitForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = visits.record_visit(
                    data["account_no"],
                    manager=data["manager"],
                    visited_at=data["visited_at"],
                    kind=data["kind"],
                    outcome=data["outcome"],
                    contact_person=data["contact_person"],
                    notes=data["notes"],
                    survey=form.survey(),
                    acting_user=request.user,
                )
            except DomainError as exc:
                attach_domain_error(form, exc, aliases={"survey": "with_survey"})
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Visit to %(customer)s recorded.") % {"customer": visit.customer.name},
                )
                return redirect(visit.get_absolute_url())
        status = 400
    return render(request, "visits/visit_form.html", {"form": form}, status=status)


@allowed_to(POLICY, "view")
@require_GET
def visit_detail(request, pk: int):
    visit = get_object_or_404(visits.visits_visible_to(request.user), pk=pk)
    survey = getattr(visit, "survey", None)
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "survey": survey,
            "scores": [(label, getattr(survey, name)) for name, label in visits.SURVEY_DIMENSIONS]
            if survey
            else [],
            "plans": list(visit.plans.order_by("due_date")),
        },
    )


@allowed_to(POLICY, "view")
@require_GET
def plan_list(request):
    """The plan: by importance class how often, how many due, overdue and done this cycle,
    and the plan items themselves."""
    today = timezone.localdate()
    plans = visits.plans_visible_to(request.user)
    form = VisitPlanFilterForm(request.GET or None, user=request.user)
    covering = Q(window_start__lte=today, due_date__gte=today)
    by_class = {
        row["customer__importance"]: row
        for row in plans.order_by()
        .values("customer__importance")
        .annotate(
            current=Count("pk", filter=covering),
            current_done=Count("pk", filter=covering & Q(status=VisitPlanStatus.DONE)),
            overdue=Count("pk", filter=Q(status=VisitPlanStatus.PLANNED, due_date__lt=today)),
        )
    }
    classes = [
        {
            "importance": value,
            "label": label,
            "months": visits.frequency_months(value),
            **by_class.get(value, {"current": 0, "current_done": 0, "overdue": 0}),
        }
        for value, label in Importance.choices
    ]
    queryset = form.apply(plans, today).order_by("due_date", "customer__name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/plan_list.html",
        {
            "form": form,
            "classes": classes,
            "page_obj": page,
            "rows": _plan_rows(page.object_list, today),
            "today": today,
            "can_generate": POLICY.allows(request.user, "generate_plans"),
        },
    )


@allowed_to(POLICY, "generate_plans")
@require_POST
def plan_generate(request):
    """Run the plan job now (it also runs every night)."""
    visits.request_plan_run(acting_user=request.user)
    messages.info(request, _("The visit plan is being brought up to date."))
    return redirect("visits:plans")


@allowed_to(POLICY, "view")
@require_GET
def customer_visits_tab(request, pk: int):
    """The customer page's tab: its planned visits and the visits made (a fragment)."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    today = timezone.localdate()
    plans = list(customer.visit_plans.select_related("visit").order_by("-due_date")[:6])
    made = list(
        customer.visits.select_related("manager", "survey").order_by("-visited_at", "-pk")[:10]
    )
    return render(
        request,
        "visits/partials/customer_tab.html",
        {
            "customer": customer,
            "plans": plans,
            "visits": made,
            "today": today,
            "months": visits.frequency_months(customer.importance),
            "can_record": POLICY.allows(request.user, "record_visit"),
            "record_url": reverse("visits:create") + f"?customer={customer.pk}",
        },
    )
