"""Widget WebSocket benchmark: round trips and the sustained message rate of one server process.

    .venv/bin/python bench/widget_socket.py [--latency 1,10,50] [--messages 20]
                                            [--ramp 10,25,50,100] [--duration 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/widget_socket.py

Starts one uvicorn process serving the whole ASGI application on a loopback port (SQLite in a
fresh temporary var dir by default), with the widget's rate limits lifted because every simulated
visitor comes from 127.0.0.1. Visitors are opened over HTTP as the widget does, then talk to the
server over WebSocket from this process:

1. round trip: N visitors at once, each sending M texts one after the other and waiting for the
   bot's answer (the fallback text, then the pending question again) before the next; the time
   from send to the ack and to the first bot message frame.
2. sustained rate: more and more visitors, each sending again as soon as the ack comes back, for
   a fixed time per step; acknowledged messages a second and the ack latency.

The workspace "Bench WS" is created when missing; its visitors are deleted at the end.
"""

import argparse
import asyncio
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from widget_server import (  # noqa: E402 (bench/ is this script's folder)
    BenchError,
    Server,
    database_label,
    delete_visitors,
    ensure_bot,
    http_json,
    migrate,
    prepare_environment,
    start_server,
)

FRAME_TIMEOUT = 15.0  # seconds a visitor waits for any one frame
MAX_FRAMES_PER_ROUND = 100  # frames read while waiting for one answer


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> str:
    """p50 / p99 / max in milliseconds."""
    ms = [v * 1000 for v in values]
    return (
        f"{percentile(ms, 50):>7.1f} {percentile(ms, 99):>7.1f} {max(ms, default=math.nan):>7.1f}"
    )


# The visitors' side.


@dataclass
class Chat:
    """One visitor: the token its browser keeps and, while connected, its socket."""

    token: str
    last_id: int
    ws: object = None
    errors: list = field(default_factory=list)


async def open_visitors(server: Server, key: str, count: int) -> tuple[list[Chat], list[float]]:
    """New visitors through POST /widget/<key>/open, a few at a time as browsers would."""
    limit = asyncio.Semaphore(8)
    body = {"token": "", "page": {"url": "https://shop.example/bench"}}

    async def one() -> tuple[Chat, float]:
        async with limit:
            started = time.perf_counter()
            status, data = await asyncio.to_thread(
                http_json, f"{server.url}/widget/{key}/open", body
            )
            elapsed = time.perf_counter() - started
        if status != 200:
            raise BenchError(f"open answered {status}: {data}")
        last = data["messages"][-1]["id"] if data["messages"] else 0
        return Chat(token=data["token"], last_id=last), elapsed

    results = await asyncio.gather(*(one() for _ in range(count)))
    return [chat for chat, _ in results], [elapsed for _, elapsed in results]


async def connect_all(server: Server, key: str, chats: list[Chat]) -> None:
    from websockets.asyncio.client import connect

    async def one(chat: Chat) -> None:
        chat.ws = await connect(
            f"{server.ws_url}/ws/widget/{key}/?token={chat.token}&after={chat.last_id}&lang=en",
            origin=server.url,
            proxy=None,
            open_timeout=15,
            ping_interval=None,
            compression=None,
            max_queue=None,
        )
        hello = json.loads(await asyncio.wait_for(chat.ws.recv(), FRAME_TIMEOUT))
        if hello.get("type") != "hello":
            raise BenchError(f"expected hello, got {hello}")
        for message in hello.get("messages", []):
            chat.last_id = max(chat.last_id, message["id"])

    limit = asyncio.Semaphore(20)

    async def limited(chat: Chat) -> None:
        async with limit:
            await one(chat)

    await asyncio.gather(*(limited(chat) for chat in chats))


async def close_all(chats: list[Chat]) -> None:
    await asyncio.gather(*(chat.ws.close() for chat in chats if chat.ws is not None))
    for chat in chats:
        chat.ws = None


def text_action(text: str) -> tuple[str, str]:
    client_id = uuid.uuid4().hex
    return client_id, json.dumps({"type": "text", "client_id": client_id, "text": text})


async def next_frame(chat: Chat) -> dict:
    return json.loads(await asyncio.wait_for(chat.ws.recv(), FRAME_TIMEOUT))


async def round_trip(chat: Chat, text: str) -> tuple[float, float]:
    """Send one text; seconds to its ack and to the first bot message. Returns once the bot has
    asked its pending question again, so no answer spills into the next round."""
    client_id, payload = text_action(text)
    sent = time.perf_counter()
    await chat.ws.send(payload)
    acked = replied = None
    asked_again = False
    for _ in range(MAX_FRAMES_PER_ROUND):
        frame = await next_frame(chat)
        now = time.perf_counter()
        kind = frame.get("type")
        if kind in ("ack", "error") and frame.get("client_id") == client_id:
            if kind == "error":
                raise BenchError(f"the server refused a message: {frame}")
            acked = now
        elif kind == "message" and frame["message"].get("sender") == "bot":
            replied = replied or now
            asked_again = asked_again or frame["message"].get("kind") == "options"
        if kind == "message":
            chat.last_id = max(chat.last_id, frame["message"]["id"])
        if acked and asked_again:
            return acked - sent, replied - sent
    raise BenchError(f"no complete answer within {MAX_FRAMES_PER_ROUND} frames")


async def latency_step(chats: list[Chat], messages: int) -> tuple[list, list, float]:
    acks, replies = [], []

    async def visitor(number: int, chat: Chat) -> None:
        for i in range(messages):
            ack, reply = await round_trip(chat, f"Question {i + 1} from visitor {number}")
            acks.append(ack)
            replies.append(reply)

    started = time.perf_counter()
    await asyncio.gather(*(visitor(n, chat) for n, chat in enumerate(chats)))
    return acks, replies, time.perf_counter() - started


@dataclass
class RateResult:
    acked: int = 0
    errors: int = 0
    bot_frames: int = 0
    latencies: list = field(default_factory=list)
    elapsed: float = 0.0


async def rate_step(chats: list[Chat], duration: float, max_per_visitor: int) -> RateResult:
    """Each visitor sends again as soon as its ack is back, until `duration` has passed."""
    result = RateResult()
    started = time.perf_counter()
    deadline = started + duration

    async def visitor(number: int, chat: Chat) -> None:
        for i in range(max_per_visitor):
            if time.perf_counter() >= deadline:
                break
            client_id, payload = text_action(f"Message {i + 1} from visitor {number}")
            sent = time.perf_counter()
            await chat.ws.send(payload)
            for _ in range(MAX_FRAMES_PER_ROUND):
                frame = await next_frame(chat)
                kind = frame.get("type")
                if kind == "message" and frame["message"].get("sender") == "bot":
                    result.bot_frames += 1
                elif kind in ("ack", "error") and frame.get("client_id") == client_id:
                    if kind == "ack":
                        result.acked += 1
                        result.latencies.append(time.perf_counter() - sent)
                    else:
                        result.errors += 1
                        chat.errors.append(frame)
                    break
            else:
                raise BenchError(f"no ack within {MAX_FRAMES_PER_ROUND} frames")

    await asyncio.gather(*(visitor(n, chat) for n, chat in enumerate(chats)))
    result.elapsed = time.perf_counter() - started
    # The bot's answers to the last messages: two bot messages for each acknowledged text.
    expected = 2 * result.acked
    drain_until = time.perf_counter() + 3

    async def drain(chat: Chat) -> None:
        while result.bot_frames < expected and time.perf_counter() < drain_until:
            try:
                frame = json.loads(await asyncio.wait_for(chat.ws.recv(), 0.3))
            except TimeoutError:
                return
            if frame.get("type") == "message" and frame["message"].get("sender") == "bot":
                result.bot_frames += 1

    await asyncio.gather(*(drain(chat) for chat in chats))
    return result


async def run(args, server: Server, key: str) -> None:
    needed = max([*args.latency, *args.ramp])
    started = time.perf_counter()
    chats, opens = await open_visitors(server, key, needed)
    print(
        f"opened {len(chats)} visitors over HTTP in {time.perf_counter() - started:.1f} s; "
        f"POST /open p50/p99/max ms: {summary(opens).strip()}"
    )

    # Warm-up: imports, the first connections to the database, caches.
    await connect_all(server, key, chats[:1])
    for i in range(5):
        await round_trip(chats[0], f"Warm-up {i}")
    await close_all(chats[:1])

    print(
        f"\n1. round trip, each visitor sends {args.messages} texts one after the other "
        "(waits for the bot's answer)"
    )
    print(
        f"{'visitors':>8} {'msgs':>6} {'msg/s':>7} | {'ack ms p50':>10} {'p99':>7} {'max':>7}"
        f" | {'bot ms p50':>10} {'p99':>7} {'max':>7} | {'srv CPU':>7}"
    )
    for count in args.latency:
        group = chats[:count]
        await connect_all(server, key, group)
        cpu = server.cpu_seconds()
        acks, replies, elapsed = await latency_step(group, args.messages)
        cpu = (server.cpu_seconds() - cpu) / elapsed
        await close_all(group)
        print(
            f"{count:>8} {len(acks):>6} {len(acks) / elapsed:>7.0f} | {summary(acks):>26}"
            f" | {summary(replies):>26} | {cpu:>7.0%}"
        )

    print(
        f"\n2. sustained rate, each visitor sends again as soon as its ack is back, "
        f"{args.duration:g} s per step"
    )
    print(
        f"{'visitors':>8} {'acked':>7} {'msg/s':>7} | {'ack ms p50':>10} {'p99':>7} {'max':>7}"
        f" | {'errors':>6} {'bot msgs missing':>16} | {'srv CPU':>7}"
    )
    best = (0.0, 0)
    for count in args.ramp:
        group = chats[:count]
        await connect_all(server, key, group)
        cpu = server.cpu_seconds()
        result = await rate_step(group, args.duration, args.max_per_visitor)
        cpu = (server.cpu_seconds() - cpu) / result.elapsed
        await close_all(group)
        rate = result.acked / result.elapsed if result.elapsed else 0.0
        best = max(best, (rate, count))
        missing = max(0, 2 * result.acked - result.bot_frames)
        print(
            f"{count:>8} {result.acked:>7} {rate:>7.0f} | {summary(result.latencies):>26}"
            f" | {result.errors:>6} {missing:>16} | {cpu:>7.0%}"
        )
        refused = [frame for chat in group for frame in chat.errors]
        if refused:
            print(f"         first refusal: {refused[0]}")
    print(f"\nbest sustained rate: {best[0]:.0f} messages/s with {best[1]} visitors")


def numbers(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive numbers")
    return values


def server_log_report(log: Path) -> None:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    if not lines:
        print("\nserver log: empty (no warnings or errors)")
        return
    print(f"\nserver log: {len(lines)} lines; the first ones:")
    for line in lines[:30]:
        print(f"  | {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=numbers, default=numbers("1,10,50"))
    parser.add_argument("--messages", type=int, default=20, help="texts per visitor in part 1")
    parser.add_argument("--ramp", type=numbers, default=numbers("10,25,50,100"))
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per step in part 2")
    parser.add_argument("--max-per-visitor", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=120.0, help="for the measurements")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="tertulia-bench-ws-"))
    server = workspace = None
    try:
        env = prepare_environment(scratch)
        migrated = migrate(env)

        import django

        django.setup()
        from django.conf import settings

        label = database_label()
        workspace, bot = ensure_bot()
        server = start_server(env, scratch, bot.public_key)

        import channels
        import uvicorn
        import websockets

        print(f"database: {label}; migrate took {migrated:.1f} s")
        print(f"channel layer: {settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}")
        print(
            f"Python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} CPUs; Django {django.get_version()}, channels {channels.__version__}, "
            f"uvicorn {uvicorn.__version__}, websockets {websockets.__version__}"
        )
        print(
            f"one uvicorn process (pid {server.process.pid}) at {server.url}; "
            "the visitors run in this process"
        )

        async def measured():
            async with asyncio.timeout(args.timeout):
                await run(args, server, bot.public_key)

        started = time.perf_counter()
        asyncio.run(measured())
        print(f"measurements took {time.perf_counter() - started:.1f} s")
    finally:
        if server is not None:
            code = server.stop()
            server_log_report(server.log)
            if code not in (0, None, -15):
                print(f"the server exited with code {code}")
        if workspace is not None:
            print(f"deleted {delete_visitors(workspace)} bench visitors")
        if args.keep:
            print(f"scratch dir kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
