"""Whatever a stranger sends the sockets, the answer is an error frame, a close frame with a code,
or a refused handshake with a status: never a dropped connection, never a traceback in the log.

Most cases run through Channels' communicator against the whole ASGI application (Origin check,
router, consumers); what only a real server shows (handshake answers, binary and broken frames
on the wire) runs against uvicorn."""

import json
import logging
import socket as sockets
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tertulia.config.asgi import application
from tertulia.visitors.models import Visitor
from tertulia.widget.services import widget_open
from tests import strategies as hostile
from tests.widget.client import open_chat, socket

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ORIGIN = [(b"origin", b"http://127.0.0.1")]
PROBE = '{"type": "text", "client_id": "probe"}'  # always answered: an "empty" error
SERVER_FRAMES = ("ack", "error", "message", "state", "typing", "hello")


@pytest.fixture
def log(caplog):
    """Every warning and error, the real server's own log included (uvicorn keeps it apart)."""
    caplog.set_level(logging.WARNING)
    uvicorn = logging.getLogger("uvicorn")
    uvicorn.addHandler(caplog.handler)
    yield caplog
    uvicorn.removeHandler(caplog.handler)


def assert_quiet(log):
    alarming = [r for r in log.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not alarming, [r.getMessage()[:300] for r in alarming]


@pytest.fixture
def visitor_token(transactional_db, bot):
    token = widget_open(bot=bot, token="", page={}, ip="127.0.0.1", user_agent="").token
    return token


def communicator(path, headers=ORIGIN):
    return WebsocketCommunicator(application, path, headers=headers)


async def chat(bot, token, **query):
    query = {"token": token, **query}
    ws = communicator(
        f"/ws/widget/{bot.public_key}/?" + "&".join(f"{k}={v}" for k, v in query.items())
    )
    connected, code = await ws.connect(timeout=5)
    assert connected, code
    hello = await ws.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return ws


async def send_text(ws, text: str):
    """A text frame, even an empty one (the communicator's send_to refuses those)."""
    await ws.send_input({"type": "websocket.receive", "text": text})


async def answers_until_probe(ws) -> list[dict]:
    """The frames the server sent up to the answer to PROBE (sent last): proof the socket lives."""
    await ws.send_to(text_data=PROBE)
    frames = []
    while True:
        frame = await ws.receive_json_from(timeout=5)
        assert isinstance(frame, dict) and frame.get("type") in SERVER_FRAMES, frame
        frames.append(frame)
        if frame.get("client_id") == "probe":
            assert frame["type"] == "error" and frame["code"] == "empty"
            return frames


text_frames = st.one_of(
    st.builds(json.dumps, hostile.json_values, ensure_ascii=st.booleans()),
    *(
        st.builds(json.dumps, hostile.actions(kind), ensure_ascii=st.booleans())
        for kind in ("text", "choose", "submit", "page", "typing")
    ),
    st.sampled_from(hostile.NOT_JSON).map(lambda raw: raw.decode("latin-1")),
    st.sampled_from(hostile.DEEP_DOCUMENTS),
    st.text(hostile.hostile_chars, max_size=50),
)


@FUZZ
@given(frame=text_frames)
@example(frame="")
@example(frame="not json")
@example(frame="[1, 2]")
@example(frame=hostile.nested(50_000))
@example(frame='{"type": "text", "client_id": "c", "text": "\\ud800\\u0000"}')
@example(frame='{"type": "choose", "client_id": "c", "node": "topic", "option": ["sales"]}')
@example(frame='{"type": ["text"], "client_id": "c"}')
@example(frame='{"type": "text", "client_id": 1e999, "text": 5}')
@example(frame='{"type": "page", "url": "https://shop.example/\\u0000", "title": "\\udfff"}')
@example(frame='{"type": "text", "client_id": "c", "text": "' + "x" * 70_000 + '"}')
def test_any_text_frame(bot, visitor_token, log, frame):
    cache.clear()  # rate limits start again for every example
    log.clear()

    async def talk():
        ws = await chat(bot, visitor_token)
        await send_text(ws, frame)
        frames = await answers_until_probe(ws)
        await ws.disconnect()
        return frames

    frames = async_to_sync(talk)()
    errors = [f for f in frames if f["type"] == "error" and f["client_id"] != "probe"]
    assert all(isinstance(f["message"], str) and f["message"] for f in errors)
    assert_quiet(log)


def test_a_binary_frame_closes_with_1003(bot, visitor_token, log):
    async def talk():
        ws = await chat(bot, visitor_token)
        await ws.send_to(bytes_data=b'{"type": "typing"}')
        assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 1003}
        await ws.disconnect()

    async_to_sync(talk)()
    assert_quiet(log)


def test_a_deleted_visitor_is_closed_with_4401(bot, visitor_token, log):
    async def talk():
        ws = await chat(bot, visitor_token)
        await sync_to_async(Visitor.objects.all().delete)()
        for frame in (
            '{"type": "page", "url": "https://shop.example/gone"}',
            '{"type": "text", "client_id": "c", "text": "still there?"}',
        ):
            await ws.send_to(text_data=frame)
            closed = await ws.receive_output(timeout=5)
            if closed == {"type": "websocket.close", "code": 4401}:
                break
        else:
            raise AssertionError("never closed")
        await ws.disconnect()

    async_to_sync(talk)()
    assert_quiet(log)


QUERIES = [
    "after=-1",
    "after=1e99",
    "after=abc",
    "after=" + "9" * 30,
    "after=" + "9" * 5_000,
    "after=%00",
    "lang=" + "x" * 10_000,
    "lang=%ff%fe",
    "lang=es&lang=en&after=1&after=2",
    "%ff=%fe",
    "&&&==",
    "v=2",
    "v=" + "9" * 5_000,
    "v=-2",
    "v=%C2%B2",  # a superscript two
    "v=2&v=1",
    "v=%ff",
]


@pytest.mark.parametrize("query", QUERIES)
def test_any_query_string(bot, visitor_token, log, query):
    async def talk():
        ws = communicator(f"/ws/widget/{bot.public_key}/?token={visitor_token}&{query}")
        connected, code = await ws.connect(timeout=5)
        assert connected, code
        assert (await ws.receive_json_from(timeout=5))["type"] == "hello"
        await answers_until_probe(ws)
        await ws.disconnect()

    async_to_sync(talk)()
    assert_quiet(log)


BAD_TOKENS = ["", "%00", "%ff%fe", "x" * 5_000, quote("\ud800", errors="surrogatepass")]
ODD_PATHS = [
    "/ws/widget/%00/",
    "/ws/widget/%ed%a0%80/",
    "/ws/widget/" + "k" * 5_000 + "/",
    "/ws/widget/ñandú/",
    "/ws/widget/a%2fb/",
    "/ws/nope/",
    "/",
    "/ws/widget/",
    "/ws/dashboard",
    "/ws/dashboard/extra/",
    "/%00",
]


@pytest.mark.parametrize("path", ODD_PATHS)
def test_odd_addresses_are_refused_cleanly(transactional_db, log, path):
    """A widget address with a key no bot has: 4401 before accepting; no socket there: 4404."""

    async def talk():
        ws = communicator(path + "?token=x")
        connected, code = await ws.connect(timeout=5)
        if connected:
            assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}
        else:
            assert code == 4401

    async_to_sync(talk)()
    assert_quiet(log)


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_odd_tokens_are_refused_with_4401(bot, transactional_db, log, token):
    async def talk():
        ws = communicator(f"/ws/widget/{bot.public_key}/?token={token}")
        assert await ws.connect(timeout=5) == (False, 4401)

    async_to_sync(talk)()
    assert_quiet(log)


@pytest.mark.parametrize(
    ("origin", "refused"),
    [
        (b"http://[::1", True),
        (b"\xff\xfe", True),
        (b"", True),
        (b"null", True),
        (b"https://evil.example", True),
        # Allowed hosts name no ports: these are this host, whatever the port says.
        (b"http://127.0.0.1:99999", False),
        (b"http://127.0.0.1:abc", False),
    ],
)
def test_odd_origins(bot, visitor_token, log, origin, refused):
    async def talk():
        ws = communicator(
            f"/ws/widget/{bot.public_key}/?token={visitor_token}", headers=[(b"origin", origin)]
        )
        connected, _code = await ws.connect(timeout=5)
        assert connected is not refused
        await ws.disconnect()

    async_to_sync(talk)()
    assert_quiet(log)


def test_the_dashboard_ignores_whatever_it_is_sent(owner, transactional_db, log):
    async def talk():
        ws = communicator("/ws/dashboard/")
        ws.scope["user"] = owner.user
        ws.scope["cookies"] = {}
        connected, code = await ws.connect(timeout=5)
        assert connected, code
        for frame in ("not json", "", hostile.nested(50_000), '{"type": 1}'):
            await send_text(ws, frame)
        await ws.send_to(bytes_data=b"\x00\xff")
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    async_to_sync(talk)()
    assert_quiet(log)


# --- A real server: what the client sees on the wire -------------------------------------------


def test_unknown_addresses_are_closed_with_4404(asgi_server, log):
    for path in ("/ws/nope/", "/ws/widget/", "/ws/widget/a/b/", "/ws/", "/ws/dashboard/x/"):
        with connect(asgi_server.ws_url + path, origin=asgi_server.url, open_timeout=5) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
    assert_quiet(log)


@pytest.mark.parametrize("origin", ["http://[::1", "https://evil.example", "null"])
def test_odd_origins_get_a_403(bot, asgi_server, log, origin):
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    with pytest.raises(InvalidStatus) as refused:
        connect(
            f"{asgi_server.ws_url}/ws/widget/{bot.public_key}/?token={opened['token']}",
            origin=origin,
            open_timeout=5,
        )
    assert refused.value.response.status_code == 403
    assert_quiet(log)


def test_frames_on_the_wire(bot, asgi_server, log):
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    with socket(asgi_server, bot.public_key, opened["token"]) as ws:
        json.loads(ws.recv(timeout=5))
        for frame in ("not json", hostile.nested(60_000), "x" * 100_000, "[]"):
            ws.send(frame)
            answer = json.loads(ws.recv(timeout=5))
            assert answer["type"] == "error" and answer["code"] in ("bad_request", "too_large")
        ws.send(b"binary")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003
    assert_quiet(log)


def test_a_text_frame_that_is_not_utf8_gets_a_close_frame(bot, asgi_server, log):
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    with socket(asgi_server, bot.public_key, opened["token"]) as ws:
        json.loads(ws.recv(timeout=5))
        ws.send(b'{"type": "text", "text": "\xed\xa0\x80\xff"}', text=True)  # not UTF-8
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
    assert_quiet(log)
    assert [r.levelname for r in log.records if "UTF-8" in r.getMessage()] == ["WARNING"]


def test_a_handshake_that_is_not_one(asgi_server, log):
    """Raw bytes where an upgrade request belongs get an HTTP answer, not a hang."""
    with sockets.create_connection(("127.0.0.1", asgi_server.port), timeout=5) as raw:
        raw.sendall(
            b"GET /ws/widget/x/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 4")
    assert_quiet(log)


def test_the_dashboard_on_the_wire_ignores_what_it_is_sent(owner, asgi_server, log):
    client = Client()
    client.force_login(owner.user)
    with connect(
        f"{asgi_server.ws_url}/ws/dashboard/",
        origin=asgi_server.url,
        additional_headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
        open_timeout=5,
    ) as ws:
        for frame in ("not json", b"\x00\xff", hostile.nested(60_000)):
            ws.send(frame)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)
    assert_quiet(log)
