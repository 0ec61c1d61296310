"""Who may do what with a ticket (complaints.access), refused alike by the page, the API and
the service; and refusals that reveal nothing of other portfolios."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from common.actors import SYSTEM
from common.errors import DomainError
from complaints import closure, services
from complaints.models import Complaint, Status

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_attempts_needed"),
]
URL = "/api/v1/complaints/"


@pytest.fixture
def no_attempts_needed():
    with override_settings(COMPLAINT_CLOSE_WITHOUT_CALLBACK_AFTER_ATTEMPTS=0):
        yield


# Closing a resolved ticket without a callback is a supervisor's decision alone (API.md):
# administrators too get 403.
CLOSE = [
    ("sup_east", True),
    ("admin_user", False),
    ("mgr_a", False),
    ("auditor", False),
    ("integration", False),
]


@pytest.fixture
def resolved(register, customer_for, mgr_a, drive):
    return drive(register(customer_for(mgr_a)), Status.RESOLVED)


@pytest.mark.parametrize(("who", "allowed"), CLOSE)
def test_closing_without_a_callback_through_the_api(api, request, resolved, who, allowed):
    response = api(request.getfixturevalue(who)).post(
        f"{URL}{resolved.pk}/close/", {"reason": "客户多次联系不上"}
    )
    assert response.status_code == (200 if allowed else 403)
    assert Complaint.objects.get(pk=resolved.pk).status == ("closed" if allowed else "resolved")


@pytest.mark.parametrize(("who", "allowed"), CLOSE)
def test_closing_without_a_callback_through_the_page(client, request, resolved, who, allowed):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("complaints:action", args=[resolved.pk, "close"]), {"reason": "客户多次联系不上"}
    )
    assert response.status_code == (302 if allowed else 403)
    assert Complaint.objects.get(pk=resolved.pk).status == ("closed" if allowed else "resolved")


@pytest.mark.parametrize(("who", "allowed"), [*CLOSE, (None, False)])
def test_closing_without_a_callback_through_the_service(request, resolved, who, allowed):
    user = request.getfixturevalue(who) if who else SYSTEM
    if allowed:
        closed = closure.close_without_callback(resolved, acting_user=user, reason="联系不上")
        assert closed.status == "closed"
    else:
        with pytest.raises(PermissionDenied):
            closure.close_without_callback(resolved, acting_user=user, reason="联系不上")


def test_the_ticket_page_offers_no_close_to_an_administrator(client, admin_user, resolved):
    client.force_login(admin_user)
    page = client.get(reverse("complaints:detail", args=[resolved.pk]))
    assert "close" not in page.context["actions"]


# --- registering -----------------------------------------------------------------------------


def _payload(customer, **fields):
    return {
        "customer": customer.pk,
        "channel": "manager",
        "category": "billing",
        "description": "客户对3月电费金额有异议",
        **fields,
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This external ticket number is already used."), ("zh-hans", "该外部工单号已被使用。")],
)
def test_an_external_number_of_another_portfolio_is_only_already_used(
    api, mgr_a, mgr_b, customer_for, language, message
):
    theirs = customer_for(mgr_b)
    mine = customer_for(mgr_a)
    first = api(mgr_b).post(URL, _payload(theirs, external_ref="EXT-1"))
    assert first.status_code == 201
    response = api(mgr_a).post(
        URL, _payload(mine, external_ref="EXT-1"), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert response.json() == {"external_ref": [message], "code": "external_ref_taken"}
    assert Complaint.objects.count() == 1


def test_the_same_caller_posting_the_same_external_number_gets_the_ticket(api, mgr_a, customer_for):
    mine = customer_for(mgr_a)
    first = api(mgr_a).post(URL, _payload(mine, external_ref="EXT-2"))
    again = api(mgr_a).post(URL, _payload(mine, external_ref="EXT-2"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


# A new ticket's assignee, given by its registrant: a manager may only name themselves.
ASSIGNEE = [
    ("mgr_a", "mgr_a", True),
    ("mgr_a", "mgr_b", False),
    ("mgr_a", "sup_east", False),
    ("sup_east", "mgr_b", True),
    ("admin_user", "mgr_b", True),
    ("integration", "mgr_b", True),
]


@pytest.mark.parametrize(("who", "assignee", "allowed"), ASSIGNEE)
def test_the_assignee_of_a_new_ticket_through_the_api(
    api, request, mgr_a, customer_for, who, assignee, allowed
):
    customer = customer_for(mgr_a)
    assignee_user = request.getfixturevalue(assignee)
    response = api(request.getfixturevalue(who)).post(
        URL, _payload(customer, assignee=assignee_user.pk)
    )
    if allowed:
        assert response.status_code == 201, response.json()
        assert response.json()["assignee"] == assignee_user.pk
    else:
        assert response.status_code == 400
        assert "assignee" in response.json()
        assert not Complaint.objects.exists()


@pytest.mark.parametrize(("who", "assignee", "allowed"), ASSIGNEE)
def test_the_assignee_of_a_new_ticket_through_the_service(
    request, mgr_a, customer_for, who, assignee, allowed
):
    customer = customer_for(mgr_a)
    fields = {
        "customer": customer,
        "channel": "manager",
        "category": "billing",
        "description": "电费异议",
        "assignee": request.getfixturevalue(assignee),
        "acting_user": request.getfixturevalue(who),
    }
    if allowed:
        assert services.register_complaint(**fields)[1] is True
    else:
        with pytest.raises(DomainError) as refused:
            services.register_complaint(**fields)
        assert refused.value.field == "assignee"


@pytest.mark.parametrize("who", ["auditor"])
def test_readers_cannot_register_tickets_through_the_service(request, mgr_a, customer_for, who):
    with pytest.raises(PermissionDenied):
        services.register_complaint(
            customer=customer_for(mgr_a),
            channel="manager",
            category="billing",
            description="电费异议",
            acting_user=request.getfixturevalue(who),
        )
