"""Expected refusals are logged as one line each, without a traceback; server errors keep theirs."""

import logging
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tertulia.core.logging import RefusalsWithoutTraceback
from tests.conftest import PASSWORD


@pytest.fixture
def refusals(caplog):
    """The records Django wrote about refused requests, for each request made with `get`."""
    caplog.set_level(logging.WARNING)

    def records():
        found = [
            r for r in caplog.records if r.name.startswith(("django.request", "django.security"))
        ]
        caplog.clear()
        return found

    caplog.clear()
    return records


def one_line(records, status, text):
    assert len(records) == 1, records
    (record,) = records
    assert record.status_code == status
    assert text in record.getMessage()
    assert record.exc_info is None and record.exc_text is None
    # What the console prints for it: one line.
    assert "\n" not in logging.Formatter().format(record)


def test_forbidden_not_found_and_too_many_are_one_line_each(db, refusals, settings, agent_client):
    from tertulia.accounts.models import User

    User.objects.create_user("loner@x.test", PASSWORD)
    assert agent_client.get(reverse("accounts:workspace")).status_code == 403
    one_line(refusals(), 403, "Forbidden (Permission denied): /workspace/")

    assert Client().get("/widget/no-such-bot/").status_code == 404
    one_line(refusals(), 404, "Not Found: /widget/no-such-bot/")

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_per_account": (1, 900)}
    login, wrong = reverse("accounts:login"), {"username": "loner@x.test", "password": "wrong"}
    assert Client().post(login, wrong).status_code == 200
    refusals()
    assert Client().post(login, wrong).status_code == 429
    one_line(refusals(), 429, "Too Many Requests: /")


def test_bad_input_is_one_line(db, refusals, bot):
    assert Client(HTTP_HOST="attacker.example").get("/").status_code == 400
    one_line(refusals(), 400, "Invalid HTTP_HOST header: 'attacker.example'")

    response = Client().post(f"/widget/{bot.public_key}/send", "[", content_type="application/json")
    assert response.status_code == 400
    one_line(refusals(), 400, "Bad Request: /widget/")


def test_server_errors_keep_their_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    for status, kept in ((500, True), (404, False), (None, True)):
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc_info)
        if status is not None:
            record.status_code = status
        assert RefusalsWithoutTraceback().filter(record) is True
        assert (record.exc_info is not None) is kept
