"""The one rate limiter: how many events of a kind one key (a visitor, an IP address, an account)
may cause in a time window, counted in the cache (shared between processes when Redis is set).

Every limit is named in `settings.RATE_LIMITS` as `name: (events, seconds)`, so each can be
changed from the environment (`TERTULIA_RATE_<NAME>`, see the settings).

The window is fixed and opens with the key's first event: up to `events` events pass in the
`seconds` that follow it; then the count starts again. Why this one:

- One atomic increment per event on any Django cache that keeps a key's expiry when it is
  incremented (local memory, Redis, Memcached): no read-modify-write, so several server
  processes and concurrent requests count exactly, and each key costs two small cache entries
  whatever the limit (a sliding log of timestamps would cost one entry per event and race).
  On Redis the event is counted and the window's start read in one round trip
  (`core.cache.RedisCache.count_in_window`); elsewhere, with the cache's own operations.
- A key that used up its limit waits for the whole rest of its own window, which is what
  `Retry-After` says. A window aligned to the clock (every minute on the minute) could reopen a
  second after a burst; a sliding-window estimate would let tries trickle through.
- The price: a key that spaces two bursts around the end of a window can get up to twice the
  limit within one window's length, never more than the limit per window on average.

`hit` counts and answers; `wait` answers without counting; `undo` takes one event back (a login
counts the try first, atomically, and gives it back when the password was right, so only failed
tries are counted and concurrent guesses cannot slip past the check); `clear` forgets the key.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def rate(name: str) -> tuple[int, int]:
    """(events, seconds) of the limit called `name` in `settings.RATE_LIMITS`."""
    events, seconds = settings.RATE_LIMITS[name]
    return int(events), int(seconds)


def _keys(name: str, key: str) -> tuple[str, str]:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rl:{name}:{digest}", f"rl:{name}:{digest}:start"


def _seconds_left(start_key: str, window: int, now: float) -> int | None:
    started = cache.get(start_key)
    if started is None:
        return None
    return max(1, math.ceil(started + window - now))


def hit(name: str, key: str) -> int:
    """Count one event; 0 when it is within the limit, else the seconds to wait (Retry-After)."""
    limit, window = rate(name)
    count_key, start_key = _keys(name, key)
    now = time.time()
    if hasattr(cache, "count_in_window"):  # Redis: one round trip
        count, started = cache.count_in_window(count_key, start_key, window, now)
        return 0 if count <= limit else max(1, math.ceil(started + window - now))
    if not cache.add(count_key, 1, window):
        try:
            count = cache.incr(count_key)
        except ValueError:  # the window ended between add and incr
            count = None
        if count is not None:
            if count <= limit:
                return 0
            left = _seconds_left(start_key, window, now)
            if left is not None:
                return left
        # The window ended meanwhile, or its count outlived it: this event opens a new one.
        cache.set(count_key, 1, window)
    cache.set(start_key, now, window)
    return 0


def wait(name: str, key: str) -> int:
    """The seconds until the next event would pass, without counting one; 0 when it would."""
    limit, window = rate(name)
    count_key, start_key = _keys(name, key)
    if (cache.get(count_key) or 0) < limit:
        return 0
    return _seconds_left(start_key, window, time.time()) or 0


def undo(name: str, key: str) -> None:
    """Take back one counted event (it turned out not to count, like a right password)."""
    count_key, _start = _keys(name, key)
    try:
        if cache.decr(count_key) < 0:
            cache.delete(count_key)
    except ValueError:  # the window has ended: nothing to take back
        pass


def clear(name: str, key: str) -> None:
    """Forget every event of this key."""
    cache.delete_many(list(_keys(name, key)))
