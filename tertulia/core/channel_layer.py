"""The Redis channel layer, made to ride out Redis hiccups, and what a socket does when it cannot.

Why: channels_redis 4.3 waits for a socket's next message with BZPOPMIN, which Redis answers
after `brpop_timeout` (5 s) when nothing came, while redis-py 8 gives every connection a 5 s
socket timeout. An idle socket's wait raced that timeout and often lost: redis-py raised
`TimeoutError: Timeout reading from 127.0.0.1:6379`, the consumer died with it, and a message
Redis had popped at that moment was gone. Here:

- connections wait `brpop_timeout` + `READ_MARGIN` seconds for an answer, so only a Redis that
  is really stuck times out;
- a connection Redis dropped (a restart, `CLIENT KILL`, a proxy's idle timeout) is replaced and
  the command sent again, once, at once: a blip is invisible to the sockets;
- sending to a group takes two round trips to Redis, not four: one reads the group's members
  (dropping those whose membership expired), one script per Redis host drops the expired
  messages of each member's queue and adds the message where there is room, kept by Redis
  (EVALSHA) rather than sent as text every time (channels_redis sends each of those steps on
  its own, and a write to Redis costs the sending process a system call held under the GIL);
- receiving a message that is already waiting takes one script instead of three round trips
  (put back what a cancelled receive left in the backup queue, pop the oldest message, keep it
  in the backup until it is handed over); only an empty queue waits with BZPOPMIN, as
  channels_redis does;
- sending to a group or a channel never raises: a failure is logged in one line and dropped.
  Events are sent after the database has committed what they announce, and clients fetch it
  again when they reconnect, so the database stays the source of truth;
- a socket whose wait for messages fails anyway (`RidesOutLayerErrors`) stays open, retries with
  a growing pause and, once Redis answers again, closes with 1012 ("service restart"): the
  chat and the dashboard reconnect and fetch what they missed meanwhile.
"""

import asyncio
import functools
import logging
import re
import time

from channels_redis import core
from channels_redis.utils import create_pool
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from tertulia.core.sockets import SERVICE_RESTART

logger = logging.getLogger(__name__)

# What a channel layer raises when Redis cannot be reached or does not answer.
LAYER_ERRORS = (RedisError, OSError, asyncio.TimeoutError)

READ_MARGIN = 10  # seconds a connection waits for an answer beyond BZPOPMIN's own timeout
CONNECT_SECONDS = 2  # to open a connection to Redis
SEND_SECONDS = 3  # at most, for one group_send (retries included): a request thread waits
POOL_CONNECTIONS = 100  # per process and Redis host, as redis-py's default
PROCESS_CAPACITY = 10_000  # messages waiting for one process's sockets, then dropped
TRY_AGAIN_LATER = 1013  # a socket opened while Redis does not answer
RETRY_FIRST, RETRY_MOST = 0.2, 5.0  # seconds between attempts while Redis does not answer


# A message for the members of a group, on one Redis host: KEYS are their queues, ARGV the
# message for each queue, then each queue's capacity, the time now, the queues' expiry and the
# oldest time a message may have been sent to still count. Returns how many queues were full.
GROUP_SEND = AsyncScript(
    None,  # each call names the connection it runs on
    b"""
local count = #KEYS
local now, expiry, oldest = ARGV[2 * count + 1], ARGV[2 * count + 2], ARGV[2 * count + 3]
local full = 0
for i = 1, count do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, oldest)
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[count + i]) then
        redis.call('ZADD', KEYS[i], now, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        full = full + 1
    end
end
return full
""",
)


# A receive from a process's queue (KEYS[1]) with its backup (KEYS[2]): what the backup holds
# (popped by a receive that was cancelled before handing it over) goes back first, then the
# oldest message is popped and kept in the backup until the receiver has it. Returns the
# message, or nothing when the queue is empty.
TAKE = AsyncScript(
    None,  # each call names the connection it runs on
    b"""
local backed_up = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = #backed_up, 1, -2 do
    redis.call('ZADD', KEYS[1], backed_up[i], backed_up[i - 1])
end
redis.call('DEL', KEYS[2])
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then
    return false
end
redis.call('ZADD', KEYS[2], popped[2], popped[1])
return popped[1]
""",
)


class RedisChannelLayer(core.RedisChannelLayer):
    """channels_redis' layer with the timeouts, the retry and the error handling above. Options
    of a host (a dict: `{"address": url, "socket_timeout": ...}`) override the defaults.

    Its `capacity` counts the messages waiting for all the sockets of one process together
    (they share one Redis key), not for each: channels_redis' 100 dropped events, without a
    word, as soon as a busy process's sockets had 100 waiting between them."""

    def __init__(self, *args, capacity: int = PROCESS_CAPACITY, **kwargs):
        super().__init__(*args, capacity=capacity, **kwargs)

    def connection_defaults(self) -> dict:
        return {
            "socket_timeout": self.brpop_timeout + READ_MARGIN,
            "socket_connect_timeout": CONNECT_SECONDS,
            "socket_keepalive": True,
            # Named after the prefix: Redis' CLIENT LIST tells the layer's connections apart.
            "client_name": re.sub(r"[^\w.:-]", "_", self.prefix) or "channels",
            # Once, at once, and only for a dropped connection: a timed-out BZPOPMIN may have
            # popped a message, and sending it again would not bring that message back.
            "retry": Retry(ConstantBackoff(0), 1, supported_errors=(RedisConnectionError,)),
        }

    def create_pool(self, index):
        """A pool whose callers wait for a connection to come free (up to SEND_SECONDS) when
        all POOL_CONNECTIONS are busy: redis-py's own pool refuses the 101st at once
        (`MaxConnectionsError`), so a process with hundreds of sockets joining, sending and
        leaving together lost memberships and events."""
        host = {**self.connection_defaults(), **self.hosts[index]}
        if "address" not in host:  # Sentinel, or a host given by its parts: channels_redis'
            return create_pool(host)
        return BlockingConnectionPool.from_url(
            host.pop("address"), max_connections=POOL_CONNECTIONS, timeout=SEND_SECONDS, **host
        )

    async def _brpop_with_clean(self, index, channel, timeout):
        """channels_redis' wait for a process's next message, in one round trip when one is
        waiting already (see above)."""
        backup = self._backup_channel_name(channel)
        connection = self.connection(index)
        message = await TAKE(keys=[channel, backup], client=connection)
        if message is not None:
            return message
        popped = await connection.bzpopmin(channel, timeout=timeout)
        if popped is None:
            return None
        _, message, score = popped
        await connection.zadd(backup, {message: float(score)})
        return message

    async def group_send(self, group, message):
        try:
            async with asyncio.timeout(SEND_SECONDS):
                await self._group_send(group, message)
        except LAYER_ERRORS as error:
            _dropped("group", group, message, error)

    async def _group_send(self, group, message):
        """channels_redis' `group_send` in two round trips (see above)."""
        assert self.require_valid_group_name(group), "Group name not valid"
        key = self._group_key(group)
        pipe = self.connection(self.consistent_hash(group)).pipeline(transaction=False)
        pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
        pipe.zrange(key, 0, -1)
        _, members = await pipe.execute()
        channels = [member.decode("utf8") for member in members]
        by_host, messages, capacities = self._map_channel_keys_to_connection(channels, message)
        for index, keys in by_host.items():
            now = time.time()
            args = [*(messages[k] for k in keys), *(capacities[k] for k in keys)]
            args += [now, self.expiry, int(now) - int(self.expiry)]
            full = await GROUP_SEND(keys=keys, args=args, client=self.connection(index))
            if full:
                logger.info(
                    "%s of %s channels over capacity in group %s", full, len(channels), group
                )

    async def send(self, channel, message):
        try:
            async with asyncio.timeout(SEND_SECONDS):
                await super().send(channel, message)
        except LAYER_ERRORS as error:
            _dropped("channel", channel, message, error)

    async def group_discard(self, group, channel):
        """A socket leaving while Redis does not answer: its membership expires by itself
        (`group_expiry`), and messages sent to it meanwhile expire unread (`expiry`)."""
        try:
            async with asyncio.timeout(SEND_SECONDS):
                await super().group_discard(group, channel)
        except LAYER_ERRORS as error:
            logger.warning("Channel layer: could not leave %s (%s)", group, _describe(error))

    async def ping(self) -> None:
        """Raise one of LAYER_ERRORS unless every Redis of the layer answers PING."""
        for index in range(self.ring_size):
            async with asyncio.timeout(CONNECT_SECONDS + 1):
                await self.connection(index).ping()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _dropped(kind: str, name: str, message: dict, error: BaseException) -> None:
    logger.warning(
        "Channel layer: a %s message to %s %s was dropped (%s); clients catch up when they "
        "reconnect",
        message.get("type", "?"),
        kind,
        name,
        _describe(error),
    )


async def layer_answers(layer, timeout: float = 2.0) -> None:
    """Raise unless the channel layer answers within `timeout` seconds: PING for Redis, a
    message sent and received on a fresh channel for any other layer."""
    async with asyncio.timeout(timeout):
        if hasattr(layer, "ping"):
            await layer.ping()
            return
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "ready.check"})
        await layer.receive(channel)


class RidesOutLayerErrors:
    """For WebSocket consumers (before AsyncWebsocketConsumer in the bases): a socket whose wait
    for channel-layer messages fails stays open and retries, and closes with 1012 once the layer
    answers again, so the client reconnects and catches up; a socket opened while the layer does
    not answer closes with 1013 ("try again later") instead of failing its handshake with 500."""

    _accepted = False

    @property
    def channel_receive(self):
        return self._channel_receive

    @channel_receive.setter
    def channel_receive(self, receive):
        # Channels' AsyncConsumer sets this to the layer's receive for this socket's channel.
        self._channel_receive = functools.partial(self._receive_riding_out_errors, receive)

    async def _receive_riding_out_errors(self, receive):
        try:
            return await receive()
        except LAYER_ERRORS as error:
            logger.warning(
                "Channel layer: %s stopped receiving (%s); retrying",
                self.scope.get("path", ""),
                _describe(error),
            )
        started, pause = time.monotonic(), RETRY_FIRST
        while True:
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_MOST)
            try:
                await layer_answers(self.channel_layer)
            except LAYER_ERRORS:
                continue
            logger.warning(
                "Channel layer: answering again after %.1f s; %s reconnects",
                time.monotonic() - started,
                self.scope.get("path", ""),
            )
            return {"type": "layer.recovered"}

    async def layer_recovered(self, message):
        await self.close(code=SERVICE_RESTART)

    async def accept(self, *args, **kwargs):
        await super().accept(*args, **kwargs)
        self._accepted = True

    async def websocket_connect(self, message):
        try:
            await super().websocket_connect(message)
        except LAYER_ERRORS as error:
            logger.warning(
                "Channel layer: %s refused, the layer does not answer (%s)",
                self.scope.get("path", ""),
                _describe(error),
            )
            if not self._accepted:
                await self.accept()
            await self.close(code=TRY_AGAIN_LATER)
