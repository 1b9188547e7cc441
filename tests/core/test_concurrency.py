"""At most `limit` HTTP requests of a process inside Django at once; a place is given back when
the answer starts; WebSockets and an unlimited setting pass straight through."""

import asyncio

import pytest

from tertulia.core.concurrency import LimitedConcurrency


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
