"""A session cookie is anyone's to write: one that cannot be a session key is never looked up."""

import logging

import pytest
from django.test import Client

from tertulia.core.sessions import SessionStore

NOT_KEYS = ['"abcdefgh\\000ijklmnopqrstuvwxyz01234"', "x" * 5_000, "ABC", "%00" * 11, "ñ" * 32]


@pytest.fixture
def sessions_checked(settings):
    settings.SESSION_ENGINE = "tertulia.core.sessions"
    settings.DEBUG = False


@pytest.mark.parametrize("cookie", NOT_KEYS)
def test_a_cookie_that_is_no_session_key_is_a_new_session(sessions_checked, db, caplog, cookie):
    client = Client(raise_request_exception=False)
    for path in ("/login/", "/visitors/"):
        response = client.get(path, headers={"Cookie": f"sessionid={cookie}"})
        assert response.status_code in (200, 302)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_real_sessions_still_work(sessions_checked, owner):
    client = Client()
    client.force_login(owner.user)
    assert len(client.cookies["sessionid"].value) == 32
    assert client.get("/visitors/").status_code == 200
    assert SessionStore(client.cookies["sessionid"].value).load()
