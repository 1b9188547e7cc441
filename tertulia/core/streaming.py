"""Streaming a sync iterator (one that reads the database) to an ASGI server."""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async

_DONE = object()


async def in_request_thread(iterator: Iterator) -> AsyncIterator:
    """Advance `iterator` one chunk at a time on the request's database thread.

    Django would otherwise turn a sync iterator into a list before sending it, holding the whole
    file in memory.
    """
    step = sync_to_async(next, thread_sensitive=True)
    while (chunk := await step(iterator, _DONE)) is not _DONE:
        yield chunk
