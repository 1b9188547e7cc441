"""The widget over a real WebSocket to a real server, with the in-memory and the Redis layer."""

import json
import uuid

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tertulia.conversations.models import Message, MessageKind, Sender, StatusChange
from tertulia.notifications.models import Notification
from tertulia.visitors.models import Visitor
from tests.widget.client import (
    action,
    http,
    member_post,
    open_chat,
    receive_until,
    reply_to,
    socket,
)

LAYERS = {
    "memory": {"default": {"BACKEND": "tertulia.core.memory_layer.InMemoryChannelLayer"}},
    "redis": {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    },
}


@pytest.fixture(params=sorted(LAYERS))
def layer(request, settings):
    settings.CHANNEL_LAYERS = LAYERS[request.param]
    return request.param


def dashboard_socket(server, user, version=None):
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    speaks = "" if version is None else f"?v={version}"
    return connect(
        f"{server.ws_url}/ws/dashboard/{speaks}",
        origin=server.url,
        additional_headers={"Cookie": cookie},
        open_timeout=5,
    )


def test_a_visitor_goes_through_the_flow_and_an_agent_takes_over(layer, bot, owner, asgi_server):
    with dashboard_socket(asgi_server, owner.user) as dashboard:
        visitor_side(bot, owner, asgi_server, dashboard)


def visitor_side(bot, owner, asgi_server, dashboard):
    status, opened, _ = open_chat(asgi_server, bot.public_key)
    assert status == 200
    token = opened["token"]
    visitor = Visitor.objects.get(pk=opened["visitor"]["id"])
    assert visitor.engaged is False and visitor.landing_page == "https://shop.example/prices"
    kinds = [m["kind"] for m in opened["messages"]]
    assert kinds == ["text", "options"]
    assert opened["state"] == {
        "waiting": "options",
        "node": "topic",
        "live_chat": "",
        "away": False,
        "transcript": False,
    }
    events = receive_until(dashboard, lambda f: f["event"] == "conversation.started")
    assert {"visitor.created", "message.created"} <= {f["event"] for f in events}

    with socket(asgi_server, bot.public_key, token, after=opened["messages"][-1]["id"]) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello == {"type": "hello", "state": opened["state"], "messages": []}

        pick = action("choose", node="topic", option="sales")
        ws.send(json.dumps(pick))
        ack = receive_until(ws, reply_to(pick["client_id"]))[-1]
        assert ack["type"] == "ack"
        assert ack["message"]["kind"] == "option_choice"
        visitor.refresh_from_db()
        assert visitor.engaged is True

        # The form is asked; a bad e-mail is refused with a reason and nothing is stored.
        form = receive_until(ws, lambda f: f.get("message", {}).get("kind") == "form")[-1]
        assert form["message"]["payload"]["node"] == "contact"
        receive_until(ws, lambda f: f["type"] == "state" and f["state"]["waiting"] == "form")
        count = Message.objects.filter(visitor=visitor).count()
        bad = action("submit", node="contact", values={"name": "Ana", "email": "ana@", "phone": ""})
        ws.send(json.dumps(bad))
        error = receive_until(ws, reply_to(bad["client_id"]))[-1]
        assert error["type"] == "error" and error["code"] == "invalid"
        assert set(error["fields"]) == {"email"}
        assert Message.objects.filter(visitor=visitor).count() == count

        good = action(
            "submit",
            node="contact",
            values={
                "name": "Ana <b>López</b>",
                "email": "Ana@Example.com",
                "phone": "+34 612 345 678",
            },
        )
        ws.send(json.dumps(good))
        assert receive_until(ws, reply_to(good["client_id"]))[-1]["type"] == "ack"
        frames = receive_until(
            ws, lambda f: f["type"] == "state" and f["state"]["live_chat"] == "requested"
        )
        visitor.refresh_from_db()
        assert (visitor.name, visitor.email, visitor.phone) == (
            "Ana <b>López</b>",
            "Ana@example.com",
            "+34612345678",
        )
        # The Notification node made a Lead, through the same service as a manual change.
        assert visitor.status == "lead"
        change = StatusChange.objects.get(visitor=visitor)
        assert (change.flow_node, change.actor_id) == ("notify_lead", None)
        assert Notification.objects.filter(member=owner, visitor=visitor).count() == 2
        assert visitor.live_chat == "requested"
        # The widget never hears of status changes.
        assert not [f for f in frames if f.get("message", {}).get("kind") == "status_change"]

        # A retried send is stored once.
        hello_text = action("text", text="Is anyone there?")
        ws.send(json.dumps(hello_text))
        first = receive_until(ws, reply_to(hello_text["client_id"]))[-1]
        ws.send(json.dumps(hello_text))
        again = receive_until(ws, reply_to(hello_text["client_id"]))[-1]
        assert first["message"]["id"] == again["message"]["id"]
        assert (
            Message.objects.filter(visitor=visitor, client_id=hello_text["client_id"]).count() == 1
        )

        # The agent replies from the dashboard: the visitor hears it with the agent's name.
        status = member_post(
            asgi_server, owner.user, f"/visitors/{visitor.pk}/reply", {"text": "Hola Ana, soy Olga"}
        )
        assert status == 200
        frames = receive_until(
            ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent"
        )
        assert frames[-1]["message"]["agent"] == "Olga Owner"
        assert frames[-1]["message"]["text"] == "Hola Ana, soy Olga"
    events = receive_until(dashboard, lambda f: f["event"] == "visitor.status_changed")
    assert events[-1]["data"]["to"] == "lead"


def test_a_dropped_connection_resumes_after_the_last_message(layer, bot, asgi_server):
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    token, last = opened["token"], opened["messages"][-1]["id"]
    # While the socket is down the visitor writes through the HTTP fallback.
    status, _, _ = http(
        asgi_server,
        "POST",
        f"/widget/{bot.public_key}/send",
        action("text", text="sent while offline"),
        token=token,
    )
    assert status == 200
    with socket(asgi_server, bot.public_key, token, after=last) as ws:
        hello = json.loads(ws.recv(timeout=5))
    texts = [m["text"] for m in hello["messages"]]
    assert texts[0] == "sent while offline"
    # The fallback path answered and the question was asked again.
    assert [m["kind"] for m in hello["messages"]] == ["text", "text", "options"]
    assert hello["messages"][1]["sender"] == Sender.BOT


@pytest.mark.parametrize("version", [None, 2])
def test_a_burst_of_texts_reaches_the_visitor_and_the_dashboard_whole_and_in_order(
    layer, version, bot, owner, asgi_server
):
    """Each text's frames (the ack, the bot's answers, the state) go to a socket as one layer
    message (`realtime.publish.send_collected`): none is lost or reordered, on either layer. A
    chat that speaks version 2 gets each text's answers as one `batch` frame; an older one, the
    same frames one by one; so does a dashboard, with {"events": [...]}."""
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    token, last = opened["token"], opened["messages"][-1]["id"]
    texts = [action("text", text=f"question {n}") for n in range(15)]
    with (
        dashboard_socket(asgi_server, owner.user, version=version) as dashboard,
        socket(asgi_server, bot.public_key, token, after=last, version=version) as ws,
    ):
        json.loads(ws.recv(timeout=5))  # hello
        for text in texts:
            ws.send(json.dumps(text))
        counted = {"ack": 0, "message": 0, "state": 0}

        def all_in(frame: dict) -> bool:  # each text: an ack, three messages, a state
            for inner in frame["frames"] if frame["type"] == "batch" else [frame]:
                counted[inner["type"]] += 1
            return counted == {"ack": 15, "message": 45, "state": 15}

        received = receive_until(ws, all_in, timeout=15)
        created = []

        def all_heard(frame: dict) -> bool:
            for event in frame.get("events", [frame]):
                if event["event"] == "message.created":
                    created.append(event["data"]["message"])
            return len(created) == 45

        heard = receive_until(dashboard, all_heard, timeout=15)
    batches = [f["frames"] for f in received if f["type"] == "batch"]
    together = [f["events"] for f in heard if "events" in f]
    if version == 2:
        assert len(received) == 2 * len(texts) and len(batches) == len(texts)
        assert all([f["type"] for f in b] == ["message"] * 3 + ["state"] for b in batches)
        assert len(together) == len(texts) and all(len(events) == 3 for events in together)
    else:
        assert batches == [] and len(received) == 5 * len(texts)
        assert together == []
    frames = [inner for f in received for inner in (f["frames"] if f["type"] == "batch" else [f])]
    acks = [f["client_id"] for f in frames if f["type"] == "ack"]
    assert acks == [text["client_id"] for text in texts]
    shown = [f["message"]["id"] for f in frames if f["type"] == "message"]
    stored = list(
        Message.objects.filter(visitor_id=opened["visitor"]["id"], pk__gt=last)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(stored) == 3 * len(texts) and shown == stored
    assert created == stored


def poll(server, key: str, opened: dict, after: int | None = None) -> dict:
    """What the HTTP fallback's poll answers a chat opened as `opened` (by default, after the
    last message it was given)."""
    after = opened["messages"][-1]["id"] if after is None else after
    shown = opened["visitor"]["id"]
    status, polled, _ = http(
        server,
        "GET",
        f"/widget/{key}/messages?after={after}&visitor={shown}",
        token=opened["token"],
    )
    assert status == 200
    return polled


def test_polling_fallback_sees_agent_messages(bot, owner, asgi_server):
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    visitor = Visitor.objects.get(pk=opened["visitor"]["id"])
    member_post(
        asgi_server, owner.user, f"/visitors/{visitor.pk}/reply", {"text": "Hello from a person"}
    )
    polled = poll(asgi_server, bot.public_key, opened)
    assert [m["text"] for m in polled["messages"]] == ["Hello from a person"]
    assert polled["state"]["live_chat"] == "active"


def test_unknown_tokens_and_bots_are_refused(bot, asgi_server):
    for key, token in ((bot.public_key, "forged"), ("no-such-bot", "x")):
        with pytest.raises(InvalidStatus) as refused:
            socket(asgi_server, key, token)
        assert refused.value.response.status_code == 403


def test_bad_frames_get_clear_errors_and_floods_are_limited(bot, settings, asgi_server):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "messages_per_visitor": (3, 60)}
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    with socket(asgi_server, bot.public_key, opened["token"], after=10**9) as ws:
        json.loads(ws.recv(timeout=5))
        ws.send("not json")
        assert json.loads(ws.recv(timeout=5))["code"] == "bad_request"

        too_long = action("text", text="x" * 4001)
        ws.send(json.dumps(too_long))
        assert receive_until(ws, reply_to(too_long["client_id"]))[-1]["code"] == "too_long"

        stale = action("choose", node="contact", option="sales")
        ws.send(json.dumps(stale))
        assert receive_until(ws, reply_to(stale["client_id"]))[-1]["code"] == "stale"

        codes = []
        for n in range(4):
            text = action("text", text=f"flood {n}")
            ws.send(json.dumps(text))
            codes.append(receive_until(ws, reply_to(text["client_id"]))[-1].get("code"))
        # The stale choice counted too: three actions a minute.
        assert codes == [None, None, "rate_limited", "rate_limited"]
    assert not Message.objects.filter(text="x" * 4001).exists()
    assert Message.objects.filter(kind=MessageKind.TEXT, sender=Sender.VISITOR).count() == 2


def test_a_merge_reloads_both_chats_and_the_merged_browser_continues_the_kept_visitor(
    settings, bot, owner, asgi_server
):
    from tertulia.conversations.merge import visitors_merge

    settings.CHANNEL_LAYERS = LAYERS["redis"]
    key = bot.public_key
    (_, kept, _), (_, merged, _) = open_chat(asgi_server, key), open_chat(asgi_server, key)
    with (
        socket(asgi_server, key, kept["token"]) as one,
        socket(asgi_server, key, merged["token"]) as two,
    ):
        for ws in (one, two):
            receive_until(ws, lambda f: f["type"] == "hello")
        visitors_merge(
            keep=Visitor.objects.get(pk=kept["visitor"]["id"]),
            other=Visitor.objects.get(pk=merged["visitor"]["id"]),
            actor=owner.user,
        )
        for ws in (one, two):
            receive_until(ws, lambda f: f["type"] == "reload")
        # A chat that writes before reloading is told again, not forgotten (4401).
        two.send(json.dumps(action("text", text="too soon")))
        receive_until(two, lambda f: f["type"] == "reload")
    status, again, _ = open_chat(asgi_server, key, token=merged["token"])
    assert status == 200 and again["visitor"] == kept["visitor"]
    greetings = [m for m in again["messages"] if m["sender"] == "bot"]
    assert len(greetings) == 2 * len([m for m in kept["messages"] if m["sender"] == "bot"])
    with socket(asgi_server, key, merged["token"]) as chat:
        receive_until(chat, lambda f: f["type"] == "hello")
        sent = action("text", text="still here")
        chat.send(json.dumps(sent))
        receive_until(chat, reply_to(sent["client_id"]))
    assert Message.objects.filter(visitor_id=kept["visitor"]["id"], text="still here").exists()


def test_a_polling_chat_is_told_to_reload_after_a_merge(bot, owner, asgi_server):
    """The HTTP fallback has no socket to hear `reload`: its next poll says it instead, to the
    merged visitor's chat, and to the kept one's when the merge wrote its messages again (the
    two conversations overlapped in time); the reloaded chat polls as before."""
    from tertulia.conversations.merge import visitors_merge

    key = bot.public_key
    (_, kept, _), (_, merged, _) = open_chat(asgi_server, key), open_chat(asgi_server, key)

    assert poll(asgi_server, key, kept)["messages"] == []
    visitors_merge(
        keep=Visitor.objects.get(pk=kept["visitor"]["id"]),
        other=Visitor.objects.get(pk=merged["visitor"]["id"]),
        actor=owner.user,
    )
    assert poll(asgi_server, key, merged) == {"reload": True}
    # The kept visitor's conversation came first, so it was not written again: the other one's
    # messages follow it, and its chat hears of them as new ones.
    appended = poll(asgi_server, key, kept)["messages"]
    assert [m["text"] for m in appended] == [m["text"] for m in merged["messages"]]
    status, again, _ = open_chat(asgi_server, key, token=merged["token"])
    assert status == 200 and again["visitor"] == kept["visitor"]
    assert poll(asgi_server, key, again)["messages"] == []
    assert (
        poll(asgi_server, key, again, after=0)["messages"] == again["messages"]
    )  # a first poll is never a reload
