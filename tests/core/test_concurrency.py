"""At most `limit` HTTP requests of a process inside Django at once; a place is given back when
the answer starts; WebSockets and an unlimited setting pass straight through. Each request's
synchronous work runs on a thread kept from one request to the next."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async

from tertulia.core.concurrency import LimitedConcurrency, ReusedThreads


class App:
    """An ASGI app that counts who is inside, and answers when told to."""

    def __init__(self):
        self.inside = self.most = 0
        self.go: dict[str, asyncio.Event] = {}
        self.streaming = asyncio.Event()

    async def __call__(self, scope, receive, send):
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            await self.go.setdefault(scope["path"], asyncio.Event()).wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            if scope["path"] == "/stream":
                await self.streaming.wait()  # the body goes on after the answer started
            await send({"type": "http.response.body", "body": b""})
        finally:
            self.inside -= 1


async def noop(message=None):
    return {"type": "http.request"}


def request(path: str, kind: str = "http") -> dict:
    return {"type": kind, "path": path}


def test_one_place_lets_one_request_in_and_the_next_when_the_answer_starts():
    async def scenario():
        app = App()
        limited = LimitedConcurrency(app, 1)
        first = asyncio.create_task(limited(request("/stream"), noop, noop))
        second = asyncio.create_task(limited(request("/b"), noop, noop))
        await asyncio.sleep(0.01)
        assert app.inside == 1  # the second waits outside
        app.go["/stream"].set()
        await asyncio.sleep(0.01)
        assert app.inside == 2  # the first streams on, outside the limit; the second is in
        app.go["/b"].set()
        await second
        app.streaming.set()
        await first
        assert app.inside == 0

    asyncio.run(scenario())


def test_a_failing_request_gives_its_place_back():
    async def scenario():
        async def broken(scope, receive, send):
            raise RuntimeError("boom")

        limited = LimitedConcurrency(broken, 1)
        for _ in range(3):  # a place kept by the first would time the second out
            with pytest.raises(RuntimeError, match="boom"):
                await asyncio.wait_for(limited(request("/"), noop, noop), 1)

    asyncio.run(scenario())


def test_websockets_and_no_limit_pass_straight_through():
    async def scenario():
        app = App()
        for path in ("/a", "/b", "/c"):
            app.go[path] = asyncio.Event()
        sockets = LimitedConcurrency(app, 1)
        unlimited = LimitedConcurrency(app, 0)
        tasks = [
            asyncio.create_task(sockets(request("/a", "websocket"), noop, noop)),
            asyncio.create_task(sockets(request("/b", "websocket"), noop, noop)),
            asyncio.create_task(unlimited(request("/c"), noop, noop)),
        ]
        await asyncio.sleep(0.01)
        assert app.inside == 3
        for event in app.go.values():
            event.set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())


def test_each_event_loop_has_its_own_places():
    limited = LimitedConcurrency(App(), 1)
    for _ in range(2):  # a server stopped and started again runs a new loop

        async def scenario():
            app = limited.app
            app.go = {"/x": asyncio.Event()}
            task = asyncio.create_task(limited(request("/x"), noop, noop))
            waiting = asyncio.create_task(limited(request("/x"), noop, noop))
            await asyncio.sleep(0.01)
            app.go["/x"].set()
            await asyncio.gather(task, waiting)

        asyncio.run(scenario())


# Reused threads: a request's synchronous work runs on a thread kept for the next request.


class ThreadReporter:
    """An ASGI app whose synchronous work (as Django's middleware and views run) says which
    thread it ran on; a request waits for `go` of its path between two such calls."""

    def __init__(self):
        self.threads: dict[str, set[int]] = {}
        self.go: dict[str, asyncio.Event] = {}

    async def __call__(self, scope, receive, send):
        path = scope["path"]
        seen = self.threads.setdefault(path, set())
        seen.add(await sync_to_async(threading.get_ident, thread_sensitive=True)())
        if path in self.go:
            await self.go[path].wait()
        seen.add(await sync_to_async(threading.get_ident, thread_sensitive=True)())


def test_requests_one_after_another_share_one_thread_and_start_none():
    async def scenario():
        app = ThreadReporter()
        reused = ReusedThreads(app)
        await reused(request("/first"), noop, noop)
        started = threading.active_count()
        for number in range(20):
            # A thread is idle again once it says so, a moment after its request ended (as
            # the next request of a client comes over the network, not at once).
            await asyncio.sleep(0.01)
            await reused(request(f"/{number}"), noop, noop)
        assert threading.active_count() == started
        return app.threads

    threads = asyncio.run(scenario())
    assert len(set().union(*threads.values())) == 1
    assert threading.get_ident() not in set().union(*threads.values())


def test_requests_at_once_each_have_their_own_thread_for_the_whole_request():
    async def scenario():
        app = ThreadReporter()
        app.go = {"/a": asyncio.Event(), "/b": asyncio.Event()}
        reused = ReusedThreads(app)
        tasks = [asyncio.create_task(reused(request(path), noop, noop)) for path in app.go]
        await asyncio.sleep(0.05)
        for event in app.go.values():
            event.set()
        await asyncio.gather(*tasks)
        await asyncio.sleep(0.01)  # both threads say they are idle
        await reused(request("/c"), noop, noop)  # takes one of the two back
        return app.threads

    threads = asyncio.run(scenario())
    assert len(threads["/a"]) == len(threads["/b"]) == 1  # each request stays on its thread
    assert threads["/a"] != threads["/b"]
    assert threads["/c"] <= threads["/a"] | threads["/b"]


def _get(path: str) -> dict:
    """The ASGI scope of a GET of `path` on the test server."""
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
    }


def _body_then_nothing():
    """An ASGI `receive`: an empty body, then no disconnect (cancelled once answered)."""
    asked = []

    async def receive():
        if not asked:
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    return receive


def test_django_runs_a_request_on_the_reused_thread(db):
    """Django's handler opens a thread-sensitive context of its own per request; the reused
    thread's, entered first, is the one that counts."""
    from django.core.asgi import get_asgi_application
    from django.core.signals import request_started

    threads = []

    def started(**kwargs):  # a synchronous receiver runs on the request's thread
        threads.append((threading.get_ident(), threading.current_thread().name))

    async def scenario():
        app = ReusedThreads(get_asgi_application())
        scope = _get("/healthz-not-here/")
        sent = []

        async def send(message):
            sent.append(message)

        for _ in range(3):
            await asyncio.sleep(0.01)  # the thread says it is idle
            await app(scope, _body_then_nothing(), send)
        return [m["status"] for m in sent if m["type"] == "http.response.start"]

    request_started.connect(started)
    try:
        statuses = asyncio.run(scenario())
    finally:
        request_started.disconnect(started)
    assert statuses == [404, 404, 404]
    assert len(threads) == 3 and len(set(threads)) == 1
    assert threads[0][1].startswith("request")


def _hops(monkeypatch, middleware: list[str]) -> int:
    """How often one GET / crosses between the event loop and a thread, through Django's ASGI
    handler with `middleware`."""
    from asgiref import sync
    from django.core.asgi import get_asgi_application
    from django.test.utils import override_settings

    with override_settings(MIDDLEWARE=middleware):
        app = get_asgi_application()
    scope = _get("/")

    async def send(message):
        pass

    asyncio.run(app(scope, _body_then_nothing(), send))  # the first one sets up
    crossings = []
    for kind in (sync.SyncToAsync, sync.AsyncToSync):
        call = kind.__call__

        def counted(self, *args, _call=call, **kwargs):
            crossings.append(type(self).__name__)
            return _call(self, *args, **kwargs)

        monkeypatch.setattr(kind, "__call__", counted)
    asyncio.run(app(scope, _body_then_nothing(), send))
    monkeypatch.undo()
    return len(crossings)


def test_the_middleware_runs_on_the_request_thread_without_hops_of_its_own(
    db, settings, monkeypatch
):
    """Every middleware synchronous (the last one is synchronous only): beyond what Django needs
    with no middleware at all, a request crosses to its thread for the whole chain, back to the
    event loop for Django's own handler below it, and to the thread again for the view. An
    async-capable middleware below the last synchronous one would run in the event loop and
    cross for each of its hooks (9 crossings instead of 6)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    assert _hops(monkeypatch, settings.MIDDLEWARE) <= _hops(monkeypatch, []) + 3


def test_a_request_cancelled_while_its_thread_works_does_not_hold_up_the_next():
    """A client gone (or a server stopping) cancels a request whose view goes on running on its
    thread: the next request runs on another thread, and the first one is reused once idle."""
    release = threading.Event()
    seen = {}

    async def app(scope, receive, send):
        def work():
            seen[scope["path"]] = threading.get_ident()
            if scope["path"] == "/slow":
                release.wait(5)

        await sync_to_async(work, thread_sensitive=True)()

    async def scenario():
        reused = ReusedThreads(app)
        slow = asyncio.create_task(reused(request("/slow"), noop, noop))
        await asyncio.sleep(0.05)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        await asyncio.wait_for(reused(request("/next"), noop, noop), 2)
        assert seen["/next"] != seen["/slow"]
        release.set()
        for _ in range(100):  # the slow thread comes back once its view has ended
            if len(reused._idle) == 2:
                break
            await asyncio.sleep(0.01)
        assert len(reused._idle) == 2

    asyncio.run(scenario())
