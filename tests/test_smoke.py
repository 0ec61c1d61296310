import pytest

pytestmark = pytest.mark.django_db


def test_manager_lists_only_own_customers(api, mgr_a, mgr_b, customer_for):
    own = customer_for(mgr_a)
    customer_for(mgr_b)
    response = api(mgr_a).get("/api/v1/customers/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]
    assert response.json()["results"][0]["manager"] == mgr_a.pk
