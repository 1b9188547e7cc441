"""The Redis channel layer through hiccups, with a real Redis at 127.0.0.1:6379: an idle wait
never times out, a dropped connection is replaced unseen, a send that cannot reach Redis is
dropped with a log line, and a socket whose layer fails for longer rides it out, then closes
with 1012 and catches up from the database when it reconnects."""

import asyncio
import json
import logging
import time
import uuid

import pytest
import redis
from websockets.exceptions import ConnectionClosed

from tertulia.core.channel_layer import SEND_SECONDS, RedisChannelLayer
from tertulia.visitors.models import Visitor
from tests.ops.proxy import CuttableProxy
from tests.widget.client import member_post, open_chat, socket

REDIS = ("127.0.0.1", 6379)


def new_layer(address=f"redis://{REDIS[0]}:{REDIS[1]}/0", **options) -> RedisChannelLayer:
    return RedisChannelLayer(hosts=[address], prefix=f"test-{uuid.uuid4().hex}", **options)


def kill_connections(client_name: str) -> int:
    """CLIENT KILL every connection Redis knows by this name; how many there were."""
    admin = redis.Redis(*REDIS)
    try:
        ids = [c["id"] for c in admin.client_list() if c.get("name") == client_name]
        for client_id in ids:
            admin.client_kill_filter(_id=client_id)
        return len(ids)
    finally:
        admin.close()


def test_an_idle_wait_outlasts_the_blocking_read():
    """channels_redis' BZPOPMIN returns empty every `brpop_timeout` seconds; the connection waits
    longer than that, so a quiet socket never sees `Timeout reading from ...`."""
    layer = new_layer()
    layer.brpop_timeout = 1
    assert layer.create_pool(0).connection_kwargs["socket_timeout"] > layer.brpop_timeout

    async def wait():
        channel = await layer.new_channel()
        with pytest.raises(TimeoutError):  # ours, after three empty BZPOPMINs: not redis'
            await asyncio.wait_for(layer.receive(channel), 3.5)
        await layer.close_pools()

    asyncio.run(wait())


def test_a_killed_connection_is_replaced_and_the_next_message_arrives():
    layer, sender = new_layer(), None

    async def scenario():
        nonlocal sender
        channel = await layer.new_channel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.3)  # blocked in BZPOPMIN
        assert await asyncio.to_thread(kill_connections, layer.prefix) >= 1
        await asyncio.sleep(0.3)
        sender = RedisChannelLayer(hosts=layer.hosts, prefix=layer.prefix)
        await sender.send(channel, {"type": "after.hiccup"})
        assert await asyncio.wait_for(waiting, 5) == {"type": "after.hiccup"}
        await layer.close_pools()
        await sender.close_pools()

    asyncio.run(scenario())


def test_more_calls_at_once_than_connections_wait_their_turn(caplog):
    """A busy process (hundreds of sockets joining, sending, leaving at once) has more layer
    calls under way than its pool has connections: each waits for one to come free, none is
    refused (redis-py's own pool raises `MaxConnectionsError` past 100)."""
    layer = new_layer()
    calls = 3 * layer.create_pool(0).max_connections

    async def scenario():  # a socket (channel) per group, as a visitor's widget
        channels = [await layer.new_channel() for _ in range(calls)]
        groups = [f"g{n}" for n in range(calls)]
        await asyncio.gather(*map(layer.group_add, groups, channels))
        await asyncio.gather(*(layer.group_send(g, {"type": "m", "g": g}) for g in groups))
        heard = await asyncio.wait_for(asyncio.gather(*map(layer.receive, channels)), 10)
        await asyncio.gather(*map(layer.group_discard, groups, channels))
        await layer.close_pools()
        return heard

    with caplog.at_level(logging.WARNING, logger="tertulia.core.channel_layer"):
        heard = asyncio.run(scenario())
    assert sorted(message["g"] for message in heard) == sorted(f"g{n}" for n in range(calls))
    assert not caplog.records


def test_a_group_message_reaches_each_member_once_whichever_process_it_is_on(caplog):
    """Sending to a group (two round trips: the members, then one script per Redis host) as
    channels_redis does it: every member hears it once, whichever process holds it; a member
    whose membership expired does not; a full queue misses it and says so."""
    one = new_layer(capacity=2)
    other = RedisChannelLayer(hosts=one.hosts, prefix=one.prefix, capacity=2)  # another process

    async def scenario():
        ours = [await one.new_channel() for _ in range(3)]
        theirs = await other.new_channel()
        for channel in [*ours, theirs]:
            await one.group_add("team", channel)
        await one.group_send("team", {"type": "hello", "n": 1})
        heard = await asyncio.wait_for(asyncio.gather(*map(one.receive, ours)), 5)
        assert heard == [{"type": "hello", "n": 1}] * 3
        assert await asyncio.wait_for(other.receive(theirs), 5) == {"type": "hello", "n": 1}

        # Their membership is made older than `group_expiry` (as if not renewed for a day).
        await one.connection(0).zadd(one._group_key("team"), {theirs: time.time() - 100})
        one.group_expiry = 50
        await one.group_send("team", {"type": "hello", "n": 2})
        heard = await asyncio.wait_for(asyncio.gather(*map(one.receive, ours)), 5)
        assert heard == [{"type": "hello", "n": 2}] * 3
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(other.receive(theirs), 0.5)

        for n in (3, 4, 5):  # two fit in the process's queue, the third does not
            await one.group_send("team", {"type": "hello", "n": n})
        assert [(await one.receive(ours[0]))["n"] for _ in range(2)] == [3, 4]
        await one.close_pools()
        await other.close_pools()

    with caplog.at_level(logging.INFO, logger="tertulia.core.channel_layer"):
        asyncio.run(scenario())
    assert "1 of 3 channels over capacity in group team" in caplog.text


def test_messages_waiting_come_in_order_and_a_cancelled_receive_loses_none():
    """A message already waiting is taken in one script; one that a cancelled receive popped
    but never handed over (left in the backup queue) comes first the next time."""
    layer = new_layer()

    async def scenario():
        for n in range(5):
            await layer.send("plain.inbox", {"type": "m", "n": n})
        assert [(await layer.receive("plain.inbox"))["n"] for _ in range(2)] == [0, 1]
        await asyncio.sleep(0.2)  # the backups of those two are cleared meanwhile
        backup = f"{layer.prefix}plain.inbox$inflight"  # as a receive cancelled midway leaves it
        await layer.connection(0).zadd(backup, {layer.serialize({"type": "m", "n": 1.5}): 0})
        heard = [(await layer.receive("plain.inbox"))["n"] for _ in range(4)]
        assert heard == [1.5, 2, 3, 4]
        waiting = asyncio.ensure_future(layer.receive("plain.inbox"))  # empty: waits in BZPOPMIN
        await asyncio.sleep(0.2)
        await layer.send("plain.inbox", {"type": "m", "n": 5})
        assert (await asyncio.wait_for(waiting, 5))["n"] == 5
        await layer.close_pools()

    asyncio.run(scenario())


def test_a_send_redis_cannot_take_is_dropped_and_logged(caplog):
    proxy = CuttableProxy(REDIS).start()
    proxy.cut()  # nothing listens: refused at once
    layer = new_layer(proxy.url)

    async def send():
        started = time.monotonic()
        await layer.group_send("workspace.1", {"type": "dashboard.event", "event": "x"})
        await layer.send("specific.x!y", {"type": "widget.event"})
        await layer.group_discard("workspace.1", "specific.x!y")
        return time.monotonic() - started

    with caplog.at_level(logging.WARNING, logger="tertulia.core.channel_layer"):
        took = asyncio.run(send())
    proxy.stop()
    assert took < 3 * SEND_SECONDS
    assert "a dashboard.event message to group workspace.1 was dropped" in caplog.text
    assert "could not leave workspace.1" in caplog.text


@pytest.fixture
def layer_through_proxy(settings):
    proxy = CuttableProxy(REDIS).start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "tertulia.core.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [proxy.url], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }
    yield proxy
    proxy.stop()


def test_a_socket_rides_out_an_outage_and_catches_up(layer_through_proxy, bot, owner, asgi_server):
    proxy = layer_through_proxy
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    token, last = opened["token"], opened["messages"][-1]["id"]
    visitor = Visitor.objects.get(pk=opened["visitor"]["id"])
    with socket(asgi_server, bot.public_key, token, after=last) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        proxy.cut()
        # Redis is out of reach: the agent's reply is stored, its live delivery dropped.
        path = f"/visitors/{visitor.pk}/reply"
        assert member_post(asgi_server, owner.user, path, {"text": "Sent in the outage"}) == 200
        time.sleep(1.0)
        proxy.mend()
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(20):  # frames sent before the cut, if any; then the close
                ws.recv(timeout=10)
    assert closed.value.rcvd.code == 1012
    # The chat reconnects after the last message it has and gets what it missed.
    with socket(asgi_server, bot.public_key, token, after=last) as ws:
        hello = json.loads(ws.recv(timeout=5))
    assert [m["text"] for m in hello["messages"]] == ["Sent in the outage"]
