"""The OpenAPI schema and its interactive docs."""

import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_the_error_answers(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "401", "403", "404"} <= codes, (method, path)
        if method not in ("get", "head", "options"):
            assert "409" in codes, (method, path)


def test_token_endpoint_documents_the_lockout_and_needs_no_credentials(schema):
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "429" in operation["responses"]
    assert operation.get("security") in (None, [], [{}])
    assert "security" not in schema  # no default that would apply to it


def test_bodies_are_json_only(schema):
    for path, method, operation in operations(schema):
        content = operation.get("requestBody", {}).get("content", {})
        if path.startswith(("/api/v1/customers", "/api/v1/contacts", "/api/v1/users")):
            assert set(content) <= {"application/json"}, (method, path)


def test_contract_paths_are_in_the_schema(schema):
    paths = set(schema["paths"])
    assert {
        "/api/v1/auth/token/",
        "/api/v1/users/",
        "/api/v1/users/{id}/",
        "/api/v1/regions/",
        "/api/v1/substations/",
        "/api/v1/feeders/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/customers/{id}/timeline/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/managers/",
        "/api/v1/managers/{id}/handover/",
        "/api/v1/assignments/",
        "/api/v1/followups/",
        "/api/v1/followups/{id}/",
    } <= paths


def test_schema_and_docs_are_served_without_a_cdn():
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert (
        client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css").status_code
        == 200
    )


def test_schema_keys_made_of_choice_members_become_plain_strings():
    from common.api.schema import stringify_keys
    from customers.models import RiskLevel

    schema = {"properties": {RiskLevel.LOW: {"type": "integer"}}, "list": [{1: "x"}]}
    result = stringify_keys(schema, None, None, True)
    assert result == {"properties": {"low": {"type": "integer"}}, "list": [{"1": "x"}]}
    assert all(type(key) is str for key in result["properties"])
