"""Redis channel layer benchmark: the CPU this process spends to send a message to a group of one
socket and to receive it, with channels_redis' own `group_send` and receive against ours
(`tertulia.core.channel_layer`), in alternating rounds.

    .venv/bin/python bench/redis_layer.py [--redis redis://127.0.0.1:6379/5] [--messages 3000]
                                          [--rounds 3]

Each round sends --messages messages one after the other, then receives them, on a fresh key
prefix (flushed at the end). The CPU is this process's (`time.process_time`): the layer's Python
and the system calls of its writes to Redis; Redis's own CPU is not counted.

Last, the round trips to Redis a visitor's text makes besides the layer, through the cache (the
same Redis): its two rate limits, the webhook subscriptions of its three events and whether
anyone of the team is online (the chat's "away" hint), counted as redis-py sends them.
"""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tertulia.config.settings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")  # the cache's, for the last part

import django  # noqa: E402

django.setup()

import uvloop  # noqa: E402
from channels_redis import core  # noqa: E402

from tertulia.core.channel_layer import RedisChannelLayer  # noqa: E402

WARM_UP = 200


class ChannelsOwn(RedisChannelLayer):
    """Ours, with channels_redis' own sending to a group and waiting for a message."""

    group_send = core.RedisChannelLayer.group_send
    _brpop_with_clean = core.RedisChannelLayer._brpop_with_clean


async def measure(layer_class, redis: str, messages: int) -> tuple[float, float]:
    """(µs of CPU per group_send, per receive)."""
    layer = layer_class(hosts=[redis], prefix=f"bench-{uuid.uuid4().hex}")
    channel = await layer.new_channel()
    await layer.group_add("bench", channel)
    try:
        for number in range(WARM_UP):
            await layer.group_send("bench", {"type": "bench.message", "number": number})
            await layer.receive(channel)
        started = time.process_time()
        for number in range(messages):
            await layer.group_send("bench", {"type": "bench.message", "number": number})
        sent = time.process_time()
        for _ in range(messages):
            await layer.receive(channel)
        received = time.process_time()
    finally:
        await layer.flush()
        await layer.close_pools()
    return (sent - started) / messages * 1e6, (received - sent) / messages * 1e6


def round_trips_per_text(texts: int = 200) -> float:
    """Redis round trips of a visitor's text besides the layer, once its window is open."""
    from django.core.cache import cache
    from redis.connection import Connection

    from tertulia.core import ratelimit
    from tertulia.notifications import webhooks
    from tertulia.realtime import presence

    cache.set(webhooks._subscribed_key(0), frozenset(), 60)  # workspace 0: no endpoints
    cache.set(presence._anyone_online_key(0), False, 60)  # ... and nobody online
    key, sent = uuid.uuid4().hex, 0
    ratelimit.hit("messages_per_visitor", key)
    ratelimit.hit("messages_per_ip", key)
    original = Connection.send_packed_command

    def counted(self, *args, **kwargs):
        nonlocal sent
        sent += 1
        return original(self, *args, **kwargs)

    Connection.send_packed_command = counted
    try:
        for _ in range(texts):
            ratelimit.hit("messages_per_visitor", key)
            ratelimit.hit("messages_per_ip", key)
            for _event in range(3):
                webhooks.subscribed_events(0)
            presence.anyone_online(workspace_id=0)
    finally:
        Connection.send_packed_command = original
    return sent / texts


async def main(args) -> None:
    print(f"Redis {args.redis}; {args.messages} messages a round; CPU of this process per call")
    print(f"{'layer':<22} {'group_send us':>14} {'receive us':>11}")
    for _ in range(args.rounds):
        for layer_class, name in (
            (ChannelsOwn, "channels_redis' own"),
            (RedisChannelLayer, "ours"),
        ):
            send, receive = await measure(layer_class, args.redis, args.messages)
            print(f"{name:<22} {send:>14.0f} {receive:>11.0f}", flush=True)
    print(
        "\nRedis round trips of a visitor's text besides the layer (2 rate limits, 3 events'"
        f" webhook subscriptions, anyone online): {round_trips_per_text():.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    if not 0 < arguments.messages <= 100_000 or not 0 < arguments.rounds <= 20:
        parser.error("--messages up to 100,000 and --rounds up to 20")
    uvloop.run(main(arguments))
