import pytest
from django.test import Client

from tertulia.accounts.tokens import api_token_create


class ApiClient:
    """The test client with a token: JSON in, JSON out."""

    def __init__(self, secret: str):
        self.secret = secret
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def send(self, method: str, path: str, body=None, raw: bytes | None = None):
        data = raw if raw is not None else ("" if body is None else _json(body))
        return self.client.generic(
            method, path, data, content_type="application/json", headers=self.headers
        )


def _json(value) -> str:
    import json

    return json.dumps(value)


@pytest.fixture
def write_token(owner):
    return api_token_create(member=owner, name="CRM sync", scope="write")


@pytest.fixture
def read_token(owner):
    return api_token_create(member=owner, name="Reports", scope="read")


@pytest.fixture
def api(write_token):
    """A read-and-write client of workspace Acme, as its owner."""
    return ApiClient(write_token[1])


@pytest.fixture
def api_read(read_token):
    return ApiClient(read_token[1])


@pytest.fixture
def api_other(other_owner):
    """A read-and-write client of the other workspace, Globex."""
    return ApiClient(api_token_create(member=other_owner, name="Globex", scope="write")[1])
