"""One table of role × action per app (common.policy.Policy), the system actor, the menu that
reads the tables, and the admin addresses of models that moved app."""

import pytest
from django.core.exceptions import PermissionDenied

from billing.policy import POLICY as BILLING
from common.actors import SYSTEM, is_system, person
from common.navigation import _ITEMS
from common.policy import Policy
from common.roles import Role
from grid import services as grid_services
from risk.policy import POLICY as RISK

POLICIES = [
    "grid.policy",
    "customers.policy",
    "accounts_manager.policy",
    "visits.policy",
    "outages.policy",
    "complaints.policy",
    "billing.policy",
    "risk.policy",
    "dashboards.policy",
]


def test_a_table_refuses_actions_it_does_not_know():
    table = Policy({"read": {Role.ADMIN}})
    with pytest.raises(ValueError):
        table.check(SYSTEM, "write")
    with pytest.raises(ValueError):
        Policy({"read": {Role.ADMIN}}, decisions={"approve"})


def test_every_app_has_one_table_with_a_view_or_write_action():
    import importlib

    for name in POLICIES:
        policy = importlib.import_module(name).POLICY
        assert isinstance(policy, Policy), name
        assert policy.table, name


@pytest.mark.django_db
def test_a_service_needs_an_acting_user_and_the_system_acts_for_jobs(east):
    with pytest.raises(TypeError):
        grid_services.create_substation(code="S9", name="九号变", region=east, acting_user=None)
    made = grid_services.create_substation(
        code="S9", name="九号变", region=east, acting_user=SYSTEM
    )
    assert made.pk


def test_the_system_takes_no_decision_a_person_must_take():
    BILLING.check(SYSTEM, "request_disconnection")
    with pytest.raises(PermissionDenied):
        BILLING.check(SYSTEM, "approve_disconnection")


@pytest.mark.django_db
def test_the_system_is_nobody_as_an_author(mgr_a):
    assert person(SYSTEM) is None
    assert person(mgr_a) == mgr_a
    assert is_system(SYSTEM) and not is_system(mgr_a)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["mgr_a", "sup_east", "auditor", "admin_user"])
def test_the_menu_shows_exactly_the_pages_the_tables_let_the_role_open(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get("/my-day/")
    assert response.status_code == 200
    shown = [item["label"] for item in response.context["nav_items"]]
    expected = [
        item.label for item in sorted(_ITEMS.values(), key=lambda i: i.order) if item.allows(user)
    ]
    assert shown == expected
    assert ("风险" in [str(label) for label in shown]) == RISK.allows(user, "view")


@pytest.mark.django_db
def test_the_integration_clients_get_no_menu(client, integration):
    client.force_login(integration)
    # Integration clients have no pages: the start page refuses them.
    assert client.get("/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/billing/riskscan/", "/admin/risk/riskscan/"),
        ("/admin/customers/region/", "/admin/grid/region/"),
        ("/admin/outages/feeder/?q=1", "/admin/grid/feeder/?q=1"),
        ("/admin/accounts_manager/visit/3/change/", "/admin/visits/visit/3/change/"),
        ("/admin/accounts_manager/assignment/", "/admin/customers/assignment/"),
        ("/admin/accounts_manager/starband/", "/admin/dashboards/starband/"),
    ],
)
def test_the_admin_pages_of_moved_models_keep_working_at_their_old_address(
    client, admin_user, old, new
):
    client.force_login(admin_user)
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == new
    assert client.get(new.split("3/change/")[0]).status_code == 200
