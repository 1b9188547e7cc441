"""The API against its own OpenAPI description: every operation, with inputs generated from the
description (and beyond it), with a read token and a write token. No answer is a 500, and every
answer has a status, headers and a body that the description allows."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as examples

from tertulia.api.app import api
from tests.api.conftest import ApiClient

# Valid by the description yet refused: an e-mail address that is not one, a flow without a start.
# Those answer 422 with the reason, which the description cannot say in advance.
config = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "422", "429"]
            }
        }
    }
)
schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(path_prefix="/api/v1/"), config=config
)
schema.app = WSGIHandler()  # requests go through the whole Django stack, in this process


@pytest.fixture
def in_test_transaction():
    """Django closes the database connection around each request, which would end the test's
    transaction (its test client does the same as this)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(owner, make_visitor, bot, in_test_transaction):
    """A workspace with something in it: visitors in several tabs, and the tokens."""
    for i in range(8):
        make_visitor(name=f"Visitor {i}", status=["new", "lead", "closed"][i % 3], country="ES")
    return owner


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["read", "write"])
@schema.parametrize()
@examples(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_described(
    case, scope, seeded, read_token, write_token, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_per_token": (10**6, 60)}
    secret = (read_token if scope == "read" else write_token)[1]
    case.call_and_validate(headers=ApiClient(secret).headers)
