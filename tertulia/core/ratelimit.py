"""Fixed-window rate limits kept in the cache (shared between processes when Redis is set)."""

import hashlib
import math
import time

from django.core.cache import cache


def hit(*, scope: str, key: str, limit: int, window: int = 60) -> int:
    """Count one event; return 0 when allowed, else the seconds to wait (for Retry-After)."""
    now = time.time()
    slot = math.floor(now / window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}:{slot}"
    if cache.add(cache_key, 1, window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, window + 1)
            count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((slot + 1) * window - now))
