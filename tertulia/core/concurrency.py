"""At most a few HTTP requests of one process inside Django at a time; the rest wait their turn
in the event loop, where waiting costs nothing.

Django runs each request's view in a thread of its own. With dozens of requests at once, dozens
of threads take turns on one interpreter lock and one core: every page then costs about twice
the CPU (bench/concurrency.py at 1,000,000 visitors on PostgreSQL, one process, 32 clients: 49 ms
of CPU a page against 24 ms for one client) and all of them finish late together. Letting two
in at a time keeps one page computing while the other waits for the database, and each page
finishes at the cost of one.

A request gives its place back as its answer starts (a streamed export goes on outside the limit)
or when it ends. WebSockets and the health checks are not limited.
"""

import asyncio


class LimitedConcurrency:
    """ASGI middleware: at most `limit` HTTP requests in `app` at once (0: no limit)."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit
        self._loop = self._places = None

    def places(self) -> asyncio.Semaphore:
        """The places of the running event loop (a test server may run in several, in turn)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._places = loop, asyncio.Semaphore(self.limit)
        return self._places

    async def __call__(self, scope, receive, send):
        if not self.limit or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        places = self.places()
        await places.acquire()
        held = True

        def give_back():
            nonlocal held
            if held:
                held = False
                places.release()

        async def answering(message):
            if message["type"] == "http.response.start":
                give_back()
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            give_back()
