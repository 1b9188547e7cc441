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

Inside, a request's synchronous work (middleware, view) runs on a thread kept from one request
to the next (`ReusedThreads`). Left to itself, Django's ASGI handler gives every request a new
thread, and a second one to wait for the first to end: two threads started and joined a
request, about as much CPU as a simple page.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext


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


class ReusedThreads:
    """ASGI middleware: each HTTP request's thread-sensitive work (Django's middleware and view)
    on a thread of its own for the request, taken from those earlier requests left: as many
    threads as requests were ever inside at once, none started or joined per request."""

    def __init__(self, app):
        self.app = app
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        thread = self._idle.pop() if self._idle else self._new_thread()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.app(scope, receive, send)
        finally:
            # Idle again once what the request left on the thread has run: a request cancelled
            # half-way (a client gone, a server stopping) may leave its view running, or
            # waiting for an event loop that has stopped, and the next request must not queue
            # behind it. (`list.append` and `pop` are atomic: no lock needed.)
            thread.submit(self._idle.append, thread)

    def _new_thread(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
