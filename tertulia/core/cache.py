"""Django's Redis cache, keeping one redis-py client per connection pool; and what a process
remembers of the cache for a moment (`Remembered`).

Django's makes a new `redis.Redis` for every cache operation, and building one costs about
55 µs (its table of response callbacks is copied each time): a get took 220 µs instead of
135. A visitor's text makes several (its rate limits, the webhooks it may trigger), and so
does nearly every request. A client holds no connection of its own (it takes one from the pool
for each command), so one per pool serves every thread of the process."""

import time
import weakref
from collections.abc import Callable

from django.core.cache import cache
from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count_in_window(self, key: str, start_key: str, window: int, now: float):
        """One more event in the window that the key's first event opened (`window` seconds),
        in one round trip: (the events counted in it, when it opened). Both keys are made
        together, with the same expiry; what Django's `add` and `incr` do in two to four."""
        serializer = self._cache._serializer
        count_key = self.make_and_validate_key(key)
        start_key = self.make_and_validate_key(start_key)
        client = self._cache.get_client(write=True)
        with client.pipeline(transaction=True) as pipe:
            pipe.set(count_key, 0, ex=window, nx=True)
            pipe.set(start_key, serializer.dumps(now), ex=window, nx=True)
            pipe.incr(count_key)
            pipe.get(start_key)
            new_count, new_start, count, started = pipe.execute()
        if new_start and not new_count:
            # A count that outlived its window's start (a cache that lost one): a new window.
            client.set(count_key, 1, ex=window)
            count = 1
        return count, serializer.loads(started)


class Remembered:
    """Values of the shared cache that this process keeps for `seconds` (`most` keys at most),
    for what is read on every visitor text: one round trip to Redis a second, not one a read. A
    change made through this process is seen at once (`forget`); one made through another,
    within `seconds`."""

    _all: "weakref.WeakSet[Remembered]" = weakref.WeakSet()

    def __init__(self, seconds: float, most: int = 10_000):
        self.seconds, self.most = seconds, most
        self._kept: dict[str, tuple[float, object]] = {}
        Remembered._all.add(self)

    def get(self, key: str, read: Callable[[], object]):
        """The value of `key`: as remembered, or what `read()` gives (from the shared cache,
        which it fills when it is empty)."""
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = read()
        if len(self._kept) >= self.most:
            self._kept.clear()
        self._kept[key] = (now + self.seconds, value)
        return value

    def forget(self, key: str) -> None:
        """Drop `key` here and from the shared cache."""
        self._kept.pop(key, None)
        cache.delete(key)

    @classmethod
    def forget_all_here(cls) -> None:
        """Drop what every `Remembered` of this process keeps (the shared cache stays)."""
        for remembered in list(cls._all):
            remembered._kept.clear()
