"""Shared fixtures: two workspaces (to prove isolation), members, and visitors."""

import itertools

import pytest
from django.test import Client

from tertulia.accounts.models import Role
from tertulia.accounts.services import member_add, workspace_create_with_owner
from tertulia.flows.models import Bot
from tertulia.visitors.services import visitor_create

PASSWORD = "a-long-test-password"
_names = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Fast password hashing where Argon2 is not under test; a fresh cache per test."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def owner(db):
    """The owner member of workspace "Acme"."""
    return workspace_create_with_owner(
        workspace_name="Acme", email="owner@acme.test", password=PASSWORD, name="Olga Owner"
    )


@pytest.fixture
def workspace(owner):
    return owner.workspace


@pytest.fixture
def agent(workspace):
    return member_add(
        workspace=workspace,
        email="agent@acme.test",
        password=PASSWORD,
        role=Role.AGENT,
        name="Ana Agent",
    )


@pytest.fixture
def other_owner(db):
    """The owner of a second workspace, whose data must never show in the first."""
    return workspace_create_with_owner(
        workspace_name="Globex", email="owner@globex.test", password=PASSWORD, name="Gus Globex"
    )


@pytest.fixture
def bot(workspace):
    return Bot.objects.create(workspace=workspace, name="Website bot")


@pytest.fixture
def make_visitor(workspace, bot):
    """Create a visitor in the fixture workspace (or another one) with the given fields."""

    def make(*, in_workspace=None, **fields):
        target = in_workspace or workspace
        return visitor_create(workspace=target, bot=bot if target == workspace else None, **fields)

    return make


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner.user)
    return client


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent.user)
    return client
