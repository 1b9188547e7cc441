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


def test_a_process_remembers_a_value_for_its_seconds_and_forgets_it_on_a_change():
    """`Remembered`: read once, kept for `seconds`; `forget` drops it here and in the shared
    cache; it keeps `most` keys at most."""
    import time

    from django.core.cache import cache

    from tertulia.core.cache import Remembered

    reads = []

    def read(value):
        def reading():
            reads.append(value)
            return value

        return reading

    remembered = Remembered(seconds=0.2, most=2)
    assert remembered.get("k", read(1)) == 1
    assert remembered.get("k", read(2)) == 1  # remembered
    time.sleep(0.25)
    assert remembered.get("k", read(3)) == 3  # its second is over
    cache.set("k", "shared", 30)
    remembered.forget("k")
    assert cache.get("k") is None
    assert remembered.get("k", read(4)) == 4
    remembered.get("a", read(5))
    remembered.get("b", read(6))  # a third key: what was kept is dropped
    assert remembered.get("k", read(7)) == 7
    Remembered.forget_all_here()
    assert remembered.get("b", read(8)) == 8
    assert reads == [1, 3, 4, 5, 6, 7, 8]
