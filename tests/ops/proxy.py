"""A loopback TCP proxy to cut: between a server and Redis, to play a network hiccup."""

import asyncio
import contextlib
import socket
import threading


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to `target` from a thread of its own. `cut()` drops every open
    connection and refuses new ones until `mend()`."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _call(self, coroutine, timeout: float = 5.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> "CuttableProxy":
        self.thread.start()
        self.mend()
        return self

    def mend(self) -> None:
        async def listen():
            self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

        self._call(listen())

    def cut(self) -> None:
        async def drop():
            self.server.close()
            for writer in list(self.writers):
                writer.transport.abort()
            self.writers.clear()
            await self.server.wait_closed()

        self._call(drop())

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _serve(self, client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.writers |= {client_writer, upstream_writer}

        async def pipe(reader, writer):
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(
            pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer)
        )
        self.writers -= {client_writer, upstream_writer}
