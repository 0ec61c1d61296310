"""The whole OpenAPI schema, fuzzed in-process with schemathesis.

Every operation the schema lists (so every endpoint a part adds later, automatically) gets
generated requests, valid and invalid, as an administrator and as an account manager. No answer
may be a 500, and every answer must match the schema: a documented status code, content type
and body. The examples are derandomised so a run is repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import ContactFactory, FollowUpFactory

pytestmark = pytest.mark.django_db

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
MAX_EXAMPLES = 12


def load_schema():
    """The schema exactly as /api/schema/ serves it, for the app called in-process."""
    from config.wsgi import application

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.from_dict(
        raw,
        app=application,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )


schema = load_schema()
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep the test's database transaction across WSGI calls, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(mgr_a, mgr_b, admin_user, customer_for):
    """Tokens of an administrator and a manager, in a world with a few real rows so that
    generated ids sometimes exist."""
    for manager in (mgr_a, mgr_a, mgr_b):
        customer = customer_for(manager)
        ContactFactory(customer=customer)
        FollowUpFactory(customer=customer, manager=manager)
    return {
        "admin": Token.objects.create(user=admin_user).key,
        "manager": Token.objects.create(user=mgr_a).key,
    }


def call_and_validate(case, token: str) -> None:
    if (case.media_type or "").startswith("multipart/") and not isinstance(case.body, dict):
        # A multipart body is a set of named parts; anything else cannot even be encoded.
        return
    # Each request in a savepoint rolled back afterwards: a request refused by the database
    # leaves the test's transaction usable (as autocommit does in production), and examples
    # do not depend on each other.
    savepoint = transaction.savepoint()
    try:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
    finally:
        transaction.savepoint_rollback(savepoint)


@schema.parametrize()
@FUZZ_SETTINGS
def test_administrator_gets_no_500_and_answers_match_the_schema(
    case, tokens, wsgi_in_test_transaction
):
    call_and_validate(case, tokens["admin"])


@schema.parametrize()
@FUZZ_SETTINGS
def test_account_manager_gets_no_500_and_answers_match_the_schema(
    case, tokens, wsgi_in_test_transaction
):
    call_and_validate(case, tokens["manager"])
