"""Widget WebSocket benchmark: latency under a steady load, the highest sustained message rate,
writes per message and idle sockets, for one `tertulia serve` process.

    .venv/bin/python bench/widget_socket.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/widget_socket.py
    options: [--steady 200] [--steady-seconds 20] [--ramp 100,200,...] [--step-seconds 5]
             [--slo-ms 250] [--idle 5000] [--idle-hold 10] [--writes 200] [--latency 1]
             [--dashboards 0]

Starts one `tertulia serve` process (no task worker) on a loopback port (SQLite in a fresh
temporary var dir by default), with the widget's rate limits lifted because every simulated
visitor comes from 127.0.0.1. Visitors are opened over HTTP as the widget does, then talk to the
server over WebSocket from this process; each sends free text, which the starter flow answers
with its fallback line and its question again (three messages stored per text):

With `--dashboards N`, N members' dashboards (each its own session) are open on their sockets
during parts 2 and 3, as agents on the Visitors page are: each hears every message stored.

1. round trip: visitors alone, each sending texts one after the other (`--latency`).
2. steady load: `--steady` visitors each sending one text a second for `--steady-seconds`, at
   random phases; ack and bot reply p50 / p95 / p99, timed from when each text was due (a late
   send counts as waiting).
3. sustained rate: the same visitors sending faster, step by step (`--ramp` texts a second in
   all, `--step-seconds` each); a step holds when at least 98 % of the texts due were answered,
   with no error and a bot reply p99 within `--slo-ms`. The ramp stops at the first step that
   does not hold; the highest one that did is the sustained rate.
4. writes per message: `--writes` texts through the same service in this process, counting SQL
   statements and rows written (triggers included).
5. idle sockets: `--idle` chats opened and left idle for `--idle-hold` seconds; the server's
   resident memory before and after, per socket, and a round trip on a sample of them. The open
   file limit is raised to the hard limit here and in the server (it inherits it).

The workspace "Bench WS" is created when missing; its visitors are deleted at the end. Every loop
is bounded: by count, and by `--timeout` for the whole measurement.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard_refresh import sessions  # noqa: E402 (bench/ is this script's folder)
from figures import record  # noqa: E402
from widget_idle import idle_sockets  # noqa: E402
from widget_idle import report as idle_report  # noqa: E402
from widget_server import (  # noqa: E402
    BenchError,
    Server,
    database_label,
    delete_visitors,
    ensure_bot,
    http_json,
    migrate,
    prepare_environment,
    raise_file_limit,
    start_server,
    visitors_for_sockets,
    writes_per_message,
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
    unread: deque = field(default_factory=deque)  # frames of a batch not read yet


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
            f"{server.ws_url}/ws/widget/{key}/?token={chat.token}&after={chat.last_id}&lang=en&v=2",
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


async def dashboards_listening(server: Server, sessions: list[str], heard: list[int]) -> None:
    """Each session's dashboard socket open, counting the events it hears, until cancelled."""
    from websockets.asyncio.client import connect

    async def one(number: int, session: str) -> None:
        async with connect(
            f"{server.ws_url}/ws/dashboard/?v=2",
            origin=server.url,
            additional_headers={"Cookie": f"sessionid={session}"},
            proxy=None,
            open_timeout=15,
            max_queue=None,
        ) as ws:
            async for frame in ws:
                heard[number] += len(json.loads(frame).get("events", [None]))

    await asyncio.gather(*(one(n, session) for n, session in enumerate(sessions)))


def text_action(text: str) -> tuple[str, str]:
    client_id = uuid.uuid4().hex
    return client_id, json.dumps({"type": "text", "client_id": client_id, "text": text})


async def next_frame(chat: Chat) -> dict:
    """The next frame, as the chat reads them: a batch's frames one by one."""
    if not chat.unread:
        frame = json.loads(await asyncio.wait_for(chat.ws.recv(), FRAME_TIMEOUT))
        chat.unread.extend(frame["frames"] if frame.get("type") == "batch" else [frame])
    return chat.unread.popleft()


async def round_trip(chat: Chat, text: str, due: float | None = None) -> tuple[float, float]:
    """Send one text; seconds to its ack and to the first bot message, from `due` (when it was
    meant to go) or from now. Returns once the bot has asked its pending question again, so no
    answer spills into the next round."""
    client_id, payload = text_action(text)
    sent = time.perf_counter() if due is None else due
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
class Paced:
    due: int = 0
    answered: int = 0
    errors: int = 0
    acks: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    elapsed: float = 0.0
    cpu: float = 0.0
    first_error: str = ""


async def paced_step(server: Server, chats: list[Chat], rate: float, seconds: float) -> Paced:
    """`rate` texts a second in all, shared by `chats` at random phases, for `seconds`; each
    visitor sends its next text when it is due or, if still waiting for an answer, right after
    it (the wait counts in the latency). Answers still missing 5 s after the end count as
    unanswered."""
    result = Paced()
    interval = len(chats) / rate
    started = time.perf_counter()
    cpu = server.cpu_seconds()
    end = started + seconds

    async def visitor(number: int, chat: Chat) -> None:
        due = started + random.uniform(0, interval)
        sent = 0
        while due < end:
            result.due += 1
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                async with asyncio.timeout(max(0.1, end + 5 - time.perf_counter())):
                    ack, reply = await round_trip(chat, f"Text {sent} from visitor {number}", due)
            except (BenchError, TimeoutError) as error:
                result.errors += 1
                result.first_error = result.first_error or repr(error)
                return  # this socket's frames are out of step now: it stops sending
            result.answered += 1
            result.acks.append(ack)
            result.replies.append(reply)
            sent += 1
            due += interval

    await asyncio.gather(*(visitor(n, chat) for n, chat in enumerate(chats)))
    result.elapsed = time.perf_counter() - started
    result.cpu = (server.cpu_seconds() - cpu) / result.elapsed
    return result


def p3(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return " ".join(f"{percentile(ms, p):>7.1f}" for p in (50, 95, 99))


async def run(args, server: Server, key: str, chats: list[Chat]) -> dict:
    figures = {}
    await connect_all(server, key, chats[:1])
    for i in range(5):  # warm-up: imports, the first connections to the database, caches
        await round_trip(chats[0], f"Warm-up {i}")
    await close_all(chats[:1])

    print(f"\n1. round trip, each visitor sends {args.messages} texts one after the other")
    print(
        f"{'visitors':>8} {'msgs':>6} | {'ack ms p50':>10} {'p99':>7} {'max':>7} | {'bot ms p50':>10} {'p99':>7} {'max':>7}"
    )
    for count in args.latency:
        group = chats[:count]
        await connect_all(server, key, group)
        acks, replies, _ = await latency_step(group, args.messages)
        await close_all(group)
        print(f"{count:>8} {len(acks):>6} | {summary(acks):>26} | {summary(replies):>26}")

    group = chats[: args.steady]
    await connect_all(server, key, group)
    heard = [0] * len(args.sessions)
    listening = asyncio.create_task(dashboards_listening(server, args.sessions, heard))
    await asyncio.sleep(1 if args.sessions else 0)  # the dashboards' sockets open
    print(
        f"\n2. steady load: {len(group)} visitors, each sending one text a second for "
        f"{args.steady_seconds:g} s"
    )
    steady = await paced_step(server, group, len(group), args.steady_seconds)
    print(
        f"{'texts':>6} {'answered':>8} {'errors':>6} | {'ack ms p50':>10} {'p95':>7} {'p99':>7} | {'bot ms p50':>10} {'p95':>7} {'p99':>7} | srv CPU"
    )
    print(
        f"{steady.due:>6} {steady.answered:>8} {steady.errors:>6} | {p3(steady.acks):>26} | {p3(steady.replies):>26} | {steady.cpu:>6.0%}"
    )
    figures["steady"] = steady
    record(
        "Widget socket, one process",
        f"bot reply p99, {len(group)} visitors x 1 text/s",
        round(percentile(steady.replies, 99) * 1000, 1),
        "ms",
        "<= 50",
    )
    record(
        "Widget socket, one process", f"errors of {steady.due} texts", steady.errors, "texts", "0"
    )

    print(
        f"\n3. sustained rate: {len(group)} visitors, texts a second in all, {args.step_seconds:g} s"
        f" per step; a step holds with >= 98 % answered, no error, bot reply p99 <= {args.slo_ms:g} ms"
    )
    print(
        f"{'offered':>7} {'answered/s':>10} {'stored/s':>8} {'errors':>6} | {'bot ms p50':>10} {'p95':>7} {'p99':>7} | srv CPU | holds"
    )
    best = 0.0
    for rate in args.ramp:
        step = await paced_step(server, group, rate, args.step_seconds)
        answered = step.answered / step.elapsed
        p99 = percentile(step.replies, 99) * 1000
        holds = step.errors == 0 and step.answered >= 0.98 * step.due and p99 <= args.slo_ms
        print(
            f"{rate:>7} {answered:>10.0f} {3 * answered:>8.0f} {step.errors:>6} | {p3(step.replies):>26} | {step.cpu:>6.0%} | {'yes' if holds else 'no'}"
        )
        if step.first_error:
            print(f"        first error: {step.first_error[:200]}")
        if not holds:
            break
        best = max(best, answered)
    await close_all(group)
    listening.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listening
    if heard:
        print(
            f"{len(heard)} dashboards open meanwhile, each heard {min(heard)}-{max(heard)} events"
        )
    figures["sustained"] = best
    record("Widget socket, one process", "highest sustained rate", round(best), "texts/s", ">= 500")
    print(f"highest sustained rate: {best:.0f} texts/s ({3 * best:.0f} messages stored/s)")
    return figures


def numbers(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive numbers")
    return values


def server_log_report(log: Path) -> None:
    """The server's warnings and errors (its access and connection lines left out)."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    lines = [line for line in lines if not line.startswith(("INFO:", "Tertulia is serving"))]
    if not lines:
        print("\nserver log: no warnings or errors")
        return
    print(f"\nserver log: {len(lines)} lines of warnings or errors; the first ones:")
    for line in lines[:30]:
        print(f"  | {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=numbers, default=numbers("1"))
    parser.add_argument("--messages", type=int, default=20, help="texts per visitor in part 1")
    parser.add_argument("--steady", type=int, default=200, help="visitors in parts 2 and 3")
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    default_ramp = "200,300,400,500,600,700,800,900,1000,1200"
    parser.add_argument("--ramp", type=numbers, default=numbers(default_ramp))
    parser.add_argument("--step-seconds", type=float, default=5.0)
    parser.add_argument("--slo-ms", type=float, default=250.0)
    parser.add_argument("--writes", type=int, default=200, help="texts in part 4 (0: skip)")
    parser.add_argument("--idle", type=int, default=5000, help="sockets in part 5 (0: skip)")
    parser.add_argument("--idle-hold", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=600.0, help="for all the measurements")
    parser.add_argument("--dashboards", type=int, default=0, help="open in parts 2 and 3")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir")
    args = parser.parse_args()

    limits = raise_file_limit()
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
        args.sessions = sessions(workspace.members.get().user, args.dashboards)
        django.db.connections.close_all()
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
            f"one `tertulia serve` process (pid {server.process.pid}) at {server.url}; "
            "the visitors run in this process"
        )
        deadline = time.monotonic() + args.timeout

        async def measured():
            async with asyncio.timeout(args.timeout):
                needed = max(args.steady, *args.latency)
                chats, opens = await open_visitors(server, bot.public_key, needed)
                print(
                    f"opened {len(chats)} visitors over HTTP; POST /open p50/p99/max ms: {summary(opens).strip()}"
                )
                return await run(args, server, bot.public_key, chats)

        started = time.perf_counter()
        asyncio.run(measured())
        if args.writes:
            print(f"\n4. writes per message: {args.writes} texts through widget_action_apply")
            w = writes_per_message(workspace, bot, args.writes)
            record(
                "Widget socket, one process",
                "SQL statements per visitor text",
                round(w.statements / w.messages, 2),
                "statements",
            )
            print(
                f"per text: {w.statements / w.messages:.2f} SQL statements, "
                f"{w.inserts / w.messages:.2f} INSERT + {w.updates / w.messages:.2f} UPDATE "
                f"statements, {w.rows / w.messages:.2f} rows written (triggers included)"
            )
        if args.idle:
            print(f"\n5. idle sockets: {args.idle:,} chats open at once for {args.idle_hold:g} s")
            tokens = visitors_for_sockets(workspace, bot, args.idle)

            async def idle():
                async with asyncio.timeout(max(30.0, deadline - time.monotonic())):
                    return await idle_sockets(server, bot.public_key, tokens, args.idle_hold, 20)

            per_socket = idle_report(asyncio.run(idle()), limits, percentile)
            record(
                "Widget socket, one process",
                f"memory per idle socket ({args.idle:,} open)",
                round(per_socket / 1024, 1),
                "KB",
            )
        print(f"\nmeasurements took {time.perf_counter() - started:.1f} s")
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
