"""The idle-socket part of bench/widget_socket.py: many chats open at once, nobody writing, and
what they cost the server process in memory."""

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass

from widget_server import BenchError, Server

CONNECT_AT_ONCE = 100  # handshakes in flight
HANDSHAKE_SECONDS = 30.0


@dataclass
class Idle:
    wanted: int
    opened: int = 0
    still_open: int = 0
    failed: int = 0
    first_error: str = ""
    open_seconds: float = 0.0
    rss_before: int = 0
    rss_after: int = 0
    sample: int = 0
    sample_replies: list | None = None


async def acked(ws, text: str) -> float:
    """Seconds from sending a text to its ack (these visitors' flow has not started: the text
    is stored, and the bot has nothing to say)."""
    client_id = uuid.uuid4().hex
    started = time.perf_counter()
    await ws.send(json.dumps({"type": "text", "client_id": client_id, "text": text}))
    for _ in range(20):
        frame = json.loads(await asyncio.wait_for(ws.recv(), HANDSHAKE_SECONDS))
        if frame.get("client_id") == client_id:
            if frame.get("type") != "ack":
                raise BenchError(f"refused: {frame}")
            return time.perf_counter() - started
    raise BenchError("no ack within 20 frames")


async def idle_sockets(
    server: Server, key: str, tokens: list[str], hold: float, sample: int
) -> Idle:
    """Open one socket per token, keep them all open for `hold` seconds, then check that they
    are still open and that a sample of them still answers."""
    from websockets.asyncio.client import connect
    from websockets.protocol import State
    from widget_socket import Chat

    result = Idle(wanted=len(tokens))
    limit = asyncio.Semaphore(CONNECT_AT_ONCE)
    chats: list[Chat] = []

    async def one(token: str) -> None:
        async with limit:
            try:
                ws = await connect(
                    f"{server.ws_url}/ws/widget/{key}/?token={token}&after=0&lang=en",
                    origin=server.url,
                    proxy=None,
                    open_timeout=HANDSHAKE_SECONDS,
                    ping_interval=None,  # the server pings; the client answers
                    compression=None,
                    max_queue=None,
                )
                hello = json.loads(await asyncio.wait_for(ws.recv(), HANDSHAKE_SECONDS))
                if hello.get("type") != "hello":
                    raise BenchError(f"expected hello, got {hello}")
            except Exception as error:  # any failure of a handshake counts, and the rest go on
                result.failed += 1
                result.first_error = result.first_error or repr(error)[:200]
                return
            chats.append(Chat(token=token, last_id=0, ws=ws))

    await asyncio.sleep(1)
    result.rss_before = server.rss_bytes()
    started = time.perf_counter()
    await asyncio.gather(*(one(token) for token in tokens))
    result.open_seconds = time.perf_counter() - started
    result.opened = len(chats)
    await asyncio.sleep(hold)
    result.rss_after = server.rss_bytes()
    result.still_open = sum(chat.ws.state is State.OPEN for chat in chats)
    picked = random.sample(chats, min(sample, len(chats)))
    replies = [await acked(chat.ws, "Still there?") for chat in picked]
    result.sample, result.sample_replies = len(picked), replies
    await asyncio.gather(*(chat.ws.close() for chat in chats), return_exceptions=True)
    return result


def report(result: Idle, limits: tuple[int, int], percentile) -> float:
    """Print the idle part; returns the bytes per socket."""
    grown = result.rss_after - result.rss_before
    per = grown / result.opened if result.opened else float("nan")
    print(f"open files limit (soft, hard) here and in the server: {limits}")
    print(
        f"opened {result.opened:,} of {result.wanted:,} sockets in {result.open_seconds:.1f} s "
        f"({result.failed} failed{': ' + result.first_error if result.first_error else ''}); "
        f"{result.still_open:,} still open after the hold"
    )
    print(
        f"server RSS {result.rss_before / 2**20:.1f} MB before, {result.rss_after / 2**20:.1f} MB "
        f"with the sockets open: {grown / 2**20:.1f} MB, {per / 1024:.1f} KB per socket"
    )
    if result.sample:
        ms = [r * 1000 for r in result.sample_replies]
        print(
            f"a text on {result.sample} of them, one after the other: ack p50 "
            f"{percentile(ms, 50):.1f} ms, max {max(ms):.1f} ms"
        )
    return per
