"""Shared fixtures: two workspaces (to prove isolation), members, and visitors."""

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from tertulia.accounts.models import Role
from tertulia.accounts.services import member_add, workspace_create_with_owner
from tertulia.flows.services import bot_create
from tertulia.visitors.services import visitor_create

PASSWORD = "a-long-test-password"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def city_database(tmp_path_factory):
    """The tests' tiny location database (tests/geo/mmdb.py), written once."""
    from tests.geo.mmdb import write_city_database

    return write_city_database(tmp_path_factory.mktemp("geo") / "city.mmdb")


@pytest.fixture(autouse=True)
def _tiny_location_database(settings, city_database):
    settings.GEOIP_DATABASE = str(city_database)


@pytest.fixture(autouse=True)
def _counts_not_skipped_on_a_busy_machine(monkeypatch):
    """Counts under filters, and the samples that estimate them, give up after a few
    milliseconds in production; the tests' data is tiny, but a busy machine must not turn their
    numbers into "not counted"."""
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 5000)
    monkeypatch.setattr(selectors, "SAMPLE_BUDGET_MS", 5000)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Fast password hashing where Argon2 is not under test; a fresh cache per test."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    from django.core.cache import cache

    from tertulia.core.cache import Remembered

    cache.clear()
    Remembered.forget_all_here()


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
    return bot_create(workspace=workspace, name="Website bot")


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


class LiveASGIServer:
    """uvicorn serving the whole ASGI application (HTTP and WebSocket) on a loopback port."""

    def __init__(self):
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self):
        import socket
        import threading
        import time

        import uvicorn

        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", self.port))
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(
            "tertulia.config.asgi:application",
            lifespan="off",
            log_level="warning",
            ws_ping_interval=None,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("The test server did not start")
            time.sleep(0.02)

    def stop(self):
        from tertulia.core.dblanes import close_connections

        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()
        close_connections()  # the sockets' database threads (the test database may go next)

    def restart(self):
        """Stop and serve again on the same port: every open connection drops meanwhile."""
        self.stop()
        self.start()


@pytest.fixture
def asgi_server(transactional_db, settings):
    """A real server in a thread; the tests talk to it over HTTP and WebSocket on loopback."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    server = LiveASGIServer()
    server.start()
    yield server
    server.stop()


# Static files as a deployment serves them: `collectstatic` once per run (hashed names, gzip and
# Brotli copies) into a folder of the run's own, before any test module builds an application.
_collected_static = None


def pytest_configure(config):
    global _collected_static
    from django.core.management import call_command
    from django.test.utils import override_settings

    root = tempfile.mkdtemp(prefix="tertulia-static-")
    _collected_static = (root, override_settings(STATIC_ROOT=root))
    _collected_static[1].enable()
    call_command("collectstatic", interactive=False, verbosity=0)


def pytest_unconfigure(config):
    if _collected_static is not None:
        root, override = _collected_static
        override.disable()
        shutil.rmtree(root, ignore_errors=True)
    # Django removes the SQLite test database but not its journal files (-wal, -shm), which a
    # connection still open elsewhere (a server thread's) leaves behind.
    from django.db import connection

    test_name = connection.settings_dict["TEST"].get("NAME")
    if connection.vendor == "sqlite" and test_name:
        for suffix in ("-wal", "-shm"):
            Path(f"{test_name}{suffix}").unlink(missing_ok=True)


def _through_the_middleware(handler):
    return handler


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, with /static/ left to the project's own middleware
    (WhiteNoise, the collected files) instead of Django's finders, which know no hashed names."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread.static_handler = _through_the_middleware
    server.start()
    yield server
    server.stop()
