"""Database work from async code (the sockets) on a few long-lived threads, "lanes", each of
which keeps its database connection while it has work queued.

Why not Channels' `database_sync_to_async`: it runs the database work of every consumer of a
process on one shared thread, and closes the connection after each call (`close_old_connections`
with CONN_MAX_AGE 0): a new SQLite connection, or a new PostgreSQL session, for every message a
visitor sends. Here:

- a call names a key (a visitor's id): the same key always runs on the same lane, so one
  visitor's actions keep their order, while other visitors' actions run beside them on the other
  lanes (PostgreSQL: `POSTGRES_LANES` threads, each with its own connection, so waits for the
  database overlap); SQLite has one writer at a time, so it gets one lane (threads waiting for
  its write lock would sleep in its busy handler instead);
- a lane keeps its connection from one call to the next, and closes it once it has had nothing
  to do for `IDLE_SECONDS`: an idle process holds no connection, a busy one does not reconnect
  per call. A connection left unusable by an error, or inside a transaction, is closed at once;
  `close_connections()` closes them all now (a test server that stops, before its test database
  is dropped).
"""

import functools
import queue
import threading
from concurrent.futures import Executor, Future

from asgiref.sync import SyncToAsync
from django.db import connections

POSTGRES_LANES = 4
IDLE_SECONDS = 2.0


class Lane(Executor):
    """One thread running calls one at a time, in the order they came."""

    def __init__(self, name: str):
        self.name = name
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = Future()
        self._calls.put((future, fn, args, kwargs))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            try:
                future, fn, args, kwargs = self._calls.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                tidy_connections(idle=True)
                future, fn, args, kwargs = self._calls.get()
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as error:  # handed to the caller, as any executor does
                    future.set_exception(error)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            tidy_connections(idle=False)

    def started(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def tidy_connections(*, idle: bool) -> None:
    """Close this thread's connections when `idle`, or those left unusable or inside a
    transaction; keep the others for the next call."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        broken = connection.in_atomic_block or (
            connection.get_autocommit() != connection.settings_dict["AUTOCOMMIT"]
        )
        if not broken and connection.errors_occurred:
            broken = not connection.is_usable()
            connection.errors_occurred = broken
        if idle or broken:
            connection.close()


_every_lane: list[Lane] = []


@functools.cache
def _lanes(vendor: str) -> tuple[Lane, ...]:
    count = 1 if vendor == "sqlite" else POSTGRES_LANES
    lanes = tuple(Lane(f"db-lane-{number}") for number in range(count))
    _every_lane.extend(lanes)
    return lanes


def lane_for(key: int) -> Lane:
    lanes = _lanes(connections["default"].vendor)
    return lanes[key % len(lanes)]


def run_in_lane(key: int, func, /, *args, **kwargs):
    """Await `func(*args, **kwargs)` on the lane of `key` (a visitor's id)."""
    return SyncToAsync(func, thread_sensitive=False, executor=lane_for(key))(*args, **kwargs)


def close_connections(timeout: float = 10.0) -> None:
    """Every lane closes its connections now (they open again on the next call)."""
    for lane in _every_lane:
        if lane.started():
            lane.submit(tidy_connections, idle=True).result(timeout)
