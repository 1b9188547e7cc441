"""Every request reads its session and its user through statements compiled once
(`core.sessions`, `accounts.backends`): the same answers as Django's own, and an upgrade logs
nobody out."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tertulia.core.sessions import SessionStore

VISITORS = reverse("visitors:list")


def logged_in(client: Client) -> bool:
    return client.get(VISITORS).status_code == 200


def test_a_logged_in_member_stays_logged_in_until_logging_out(owner_client):
    assert logged_in(owner_client)
    assert logged_in(owner_client)  # the statements kept from the first request read the same
    owner_client.post(reverse("accounts:logout"))
    assert not logged_in(owner_client)


def test_a_deactivated_user_is_logged_out(owner, owner_client):
    owner.user.is_active = False
    owner.user.save()
    assert not logged_in(owner_client)


def test_an_expired_session_is_not_read_and_its_cookie_goes(owner_client):
    key = owner_client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = owner_client.get(VISITORS)
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""  # deleted
    assert SessionStore(key).load() == {}


def test_a_session_of_another_key_or_none_is_anonymous(owner):
    for key in ["0" * 32, "x" * 31, "", "\x00" * 32]:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        assert client.get(VISITORS).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_sessions_logged_in_before_the_upgrade_stay_logged_in(owner):
    """Migration 0008 moves sessions of Django's ModelBackend to ours, and back."""
    old_backend = "django.contrib.auth.backends.ModelBackend"
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0007_identity")])
    store = SessionStore()
    store[BACKEND_SESSION_KEY] = old_backend
    store["_auth_user_id"] = str(owner.user.pk)
    store["_auth_user_hash"] = owner.user.get_session_auth_hash()
    store.create()
    unreadable = Session.objects.create(
        session_key="u" * 32, session_data="not a session", expire_date=store.get_expiry_date()
    )

    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0008_sessions_of_the_account_backend")])
    moved = SessionStore(store.session_key).load()
    assert moved[BACKEND_SESSION_KEY] == settings.AUTHENTICATION_BACKENDS[0]
    assert Session.objects.get(pk=unreadable.pk).session_data == "not a session"
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    assert logged_in(client)

    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0007_identity")])
    assert SessionStore(store.session_key).load()[BACKEND_SESSION_KEY] == old_backend
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
