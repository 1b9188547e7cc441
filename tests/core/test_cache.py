"""The Redis cache (`core.cache`) against a real Redis at 127.0.0.1:6379: Django's operations,
from one redis-py client per pool, shared by threads."""

import threading
import uuid

from tertulia.core.cache import RedisCache


def test_operations_work_from_one_client_shared_by_threads():
    cache = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    try:
        assert cache.add("count", 1, 30) and not cache.add("count", 5, 30)
        assert cache.incr("count") == 2
        cache.set("events", frozenset({"message.created"}), 30)
        assert cache.get("events") == frozenset({"message.created"})
        assert cache.get("missing") is None
        cache.delete("events")
        assert cache.get("events") is None

        clients = set()

        def count() -> None:
            for _ in range(50):
                cache.incr("count")
            clients.add(id(cache._cache.get_client(write=True)))

        threads = [threading.Thread(target=count) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert cache.get("count") == 202
        assert len(clients) == 1  # Django's own made one per operation
    finally:
        cache.delete_many(["count", "events"])
        cache.close()
