"""/healthz and /readyz over real HTTP to a real server: no login, no session, no CSRF; readyz
answers 503, naming what failed, when the database or the channel layer does not answer."""

import json
import socket
import time
import uuid

import pytest

from tests.wire import fetch

REDIS = "redis://127.0.0.1:6379/0"


def layer(address: str) -> dict:
    return {
        "default": {
            "BACKEND": "tertulia.core.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [address], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (bound, never listening: connections are refused)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        yield taken.getsockname()[1]


def answer(server, path, method="GET", headers=None):
    got = fetch(f"{server.url}{path}", method=method, headers=headers)
    return got, (json.loads(got.body) if got.body else None)


def test_healthz_answers_without_session_or_database(asgi_server):
    got, body = answer(asgi_server, "/healthz", headers={"Host": "anything.example"})
    assert got.status == 200 and body == {"status": "ok"}
    assert got.header("Content-Type") == "application/json"
    assert got.header("Cache-Control") == "no-store"
    assert "Set-Cookie" not in got.headers


def test_readyz_with_the_in_process_layer(asgi_server):
    got, body = answer(asgi_server, "/readyz")
    assert got.status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}
    assert "Set-Cookie" not in got.headers


def test_readyz_with_redis(asgi_server, settings):
    settings.CHANNEL_LAYERS = layer(REDIS)
    got, body = answer(asgi_server, "/readyz")
    assert got.status == 200 and body["checks"]["channel_layer"] == "ok"


def test_readyz_names_an_unreachable_redis_with_503(asgi_server, settings, closed_port, caplog):
    settings.CHANNEL_LAYERS = layer(f"redis://127.0.0.1:{closed_port}/0")
    started = time.monotonic()
    got, body = answer(asgi_server, "/readyz")
    assert time.monotonic() - started < 5
    assert got.status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "channel_layer": "failed"},
    }
    assert "Connection refused" in caplog.text or "connecting" in caplog.text
    assert str(closed_port) not in got.body.decode()  # the reason is logged, not told


def test_head_and_other_methods(asgi_server):
    got, _ = answer(asgi_server, "/healthz", method="HEAD")
    assert got.status == 200 and got.body == b""
    got, body = answer(asgi_server, "/readyz", method="POST")
    assert got.status == 405 and got.header("Allow") == "GET, HEAD"
    assert body["status"] == "error"
