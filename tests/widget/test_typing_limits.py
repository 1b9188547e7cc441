"""Typing signals are rate limited like messages, over HTTP and the socket alike (one count).

Over the limit the HTTP fallback answers 429 with Retry-After; the socket drops the signal without
a word (a typing signal is a hint, and the chat sends one every 2.5 s at most, far below it).
"""

import json

from django.test import Client
from websockets.sync.client import connect

from tests.widget.client import action, http, open_chat, receive_until, reply_to, socket

LIMIT = 3


def dashboard_socket(server, user):
    client = Client()
    client.force_login(user)
    return connect(
        f"{server.ws_url}/ws/dashboard/",
        origin=server.url,
        additional_headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
        open_timeout=5,
    )


def typing_events_until_message(dashboard, visitor_id):
    """The typing events the dashboard heard about the visitor before their next message."""
    frames = receive_until(dashboard, lambda f: f["event"] == "message.created")
    return [f for f in frames if f["event"] == "typing" and f["data"]["visitor"] == visitor_id]


def test_over_http_typing_beyond_the_limit_is_429_with_retry_after(
    bot, owner, settings, asgi_server
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "typing_per_visitor": (LIMIT, 60)}
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    token, path = opened["token"], f"/widget/{bot.public_key}/typing"
    with dashboard_socket(asgi_server, owner.user) as dashboard:
        statuses = [http(asgi_server, "POST", path, {}, token=token)[0] for _ in range(LIMIT)]
        assert statuses == [204] * LIMIT
        status, body, headers = http(asgi_server, "POST", path, {}, token=token)
        assert status == 429 and body["error"] == "rate_limited"
        assert 1 <= int(headers["Retry-After"]) <= 60

        # The refused signal never reached the dashboard.
        sent = http(
            asgi_server,
            "POST",
            f"/widget/{bot.public_key}/send",
            action("text", text="hi"),
            token=token,
        )
        assert sent[0] == 200
        assert len(typing_events_until_message(dashboard, opened["visitor"]["id"])) == LIMIT

    # Another visitor has a count of their own.
    _, other, _ = open_chat(asgi_server, bot.public_key)
    assert http(asgi_server, "POST", path, {}, token=other["token"])[0] == 204


def test_over_the_socket_typing_beyond_the_limit_is_dropped(bot, owner, settings, asgi_server):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "typing_per_visitor": (LIMIT, 60)}
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    token, visitor_id = opened["token"], opened["visitor"]["id"]
    with (
        dashboard_socket(asgi_server, owner.user) as dashboard,
        socket(asgi_server, bot.public_key, token, after=10**9) as ws,
    ):
        assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        # One signal over HTTP first: both ways share the count.
        assert (
            http(asgi_server, "POST", f"/widget/{bot.public_key}/typing", {}, token=token)[0] == 204
        )
        for _ in range(LIMIT + 3):
            ws.send(json.dumps({"type": "typing"}))
        text = action("text", text="still here")
        ws.send(json.dumps(text))
        # No error frames for the dropped signals: the next frame is the message's own ack.
        frames = receive_until(ws, reply_to(text["client_id"]))
        assert [f["type"] for f in frames if f.get("type") in ("error", "ack")] == ["ack"]
        assert len(typing_events_until_message(dashboard, visitor_id)) == LIMIT
