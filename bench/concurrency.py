"""Concurrency benchmark: requests a second, p50 and p95 of a real `tertulia serve` as the number
of clients and of server processes grows.

    .venv/bin/python bench/concurrency.py [/visitors/] [--clients 1,8,32] [--processes 1,2]
                                          [--duration 5] [--also /healthz] [--visitors 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tertulia_bench .venv/bin/python \\
        bench/concurrency.py /visitors/ --pool-max 10

Uses the database DATABASE_URL points at (migrated first), or a fresh SQLite file in a scratch
folder when it is unset. The workspace "Bench" (bench/visitors_page.py's, owner
bench@tertulia.test) is used when it exists, or created with --visitors seeded visitors; its
owner is logged in once (a session in the database) and every client sends that session's cookie.

For each number of processes (`tertulia serve --no-worker --workers N` on a loopback port), and
each number of clients, each path (the one given, default the Visitors page, then each --also)
is loaded for --duration seconds after a second of warm-up: every client holds one keep-alive
connection and sends its next request as soon as the answer is read. Printed per run: requests a
second, p50 and p95 in milliseconds, answers other than 200, the CPU the server processes and
every PostgreSQL backend on this machine used (in cores, so 1.0 is one core busy), and the
PostgreSQL sessions opened meanwhile (pg_stat_database.sessions): with the connection pool, only
while a new server's pools grow to what the load needs (at most --pool-max a process); without
it (--pool-max 0), one per request. The load comes from this process (asyncio, one core at
most): its CPU is printed too, so a run it limits shows. With several processes, the CPU of
each busy server process follows in brackets: how evenly the connections spread among them.

Bounded: each run stops after its duration, each request after REQUEST_TIMEOUT seconds.
"""

import argparse
import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from figures import record  # bench/ is on the path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUEST_TIMEOUT = 30.0
WARM_UP = 1.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# Set-up, in this process: the database, the workspace, a logged-in session.


def prepare(workspace: str, visitors: int) -> tuple[str, str]:
    """(session cookie, database label), with the database migrated and the static files
    collected."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tertulia.config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from workspace import ensure_workspace, owner_email  # bench/ is on the path

    from tertulia.accounts.models import User

    ensure_workspace(workspace, visitors)
    client = Client()
    client.force_login(User.objects.get(email=owner_email(workspace)))
    cookie = client.cookies["sessionid"].value
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            label = f"PostgreSQL {cursor.fetchone()[0]} ({connection.settings_dict['NAME']})"
        connection.close()
        connection.close_pool()
    else:
        label = f"SQLite ({connection.settings_dict['NAME']})"
        connection.close()
    return cookie, label


def pg_sessions() -> int | None:
    """Sessions ever opened to the benchmark's PostgreSQL database (None on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    import psycopg

    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"]}
    params = {name: value for name, value in params.items() if value}
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as probe:
        row = probe.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return row[0] - 1  # this probe's own session


# CPU: the server's process tree, and PostgreSQL's backends, from /proc.


def _processes() -> dict[int, tuple[int, str, float]]:
    """{pid: (parent pid, command name, CPU seconds)} of every process we can read."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_seconds(root: int) -> tuple[dict[int, float], dict[int, float]]:
    """({pid: CPU seconds} of `root` and its descendants, the same of `postgres` processes)."""
    table = _processes()
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, (parent, _, _) in table.items() if parent in tree}
        changed, tree = grown != tree, grown
    server = {pid: table[pid][2] for pid in tree if pid in table}
    postgres = {pid: cpu for pid, (_, name, cpu) in table.items() if name == "postgres"}
    return server, postgres


def each_used(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU seconds each process used between two readings (those still running)."""
    return {pid: cpu - before.get(pid, 0.0) for pid, cpu in after.items()}


# The server.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(processes: int, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    tertulia = str(Path(sys.executable).parent / "tertulia")
    command = [tertulia, "serve", "--no-worker", "--port", str(port), "--workers", str(processes)]
    with log.open("ab") as out:
        server = subprocess.Popen(  # noqa: S603 (this venv's own command, fixed arguments)
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server ended early; its log:\n{log.read_text()[-3000:]}")
        try:
            status, _ = asyncio.run(one_request(port, b"/healthz", ""))
            if status == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit(f"The server did not start; its log:\n{log.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(5)


# The clients: one keep-alive HTTP/1.1 connection each.


def request_bytes(path: bytes, cookie: str) -> bytes:
    lines = [
        b"GET " + path + b" HTTP/1.1",
        b"Host: 127.0.0.1",
        b"User-Agent: tertulia-bench-concurrency",
        b"Accept: text/html",
    ]
    if cookie:
        lines.append(b"Cookie: sessionid=" + cookie.encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server keeps the connection open); the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding") == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get(b"connection") != b"close"


async def one_request(port: int, path: bytes, cookie: str) -> tuple[int, bool]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request_bytes(path, cookie))
        return await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
    finally:
        writer.close()


async def client(port, request, start, stop, latencies, answers) -> None:
    reader = writer = None
    while (now := time.monotonic()) < stop:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        began = time.perf_counter()
        try:
            writer.write(request)
            status, keep = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            answers[type(error).__name__] += 1
            writer.close()
            writer = None
            continue
        if now >= start:
            latencies.append(time.perf_counter() - began)
            answers[status] += 1
        if not keep:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def load(port: int, path: str, cookie: str, clients: int, duration: float):
    request = request_bytes(path.encode(), cookie)
    start = time.monotonic() + WARM_UP
    stop = start + duration
    latencies: list[float] = []
    answers: Counter = Counter()
    await asyncio.gather(
        *(client(port, request, start, stop, latencies, answers) for _ in range(clients))
    )
    return latencies, answers


def run(server, port, path, cookie, clients, duration) -> dict:
    time.sleep(0.2)
    sessions = pg_sessions()
    cpu, own = cpu_seconds(server.pid), os.times()
    latencies, answers = asyncio.run(load(port, path, cookie, clients, duration))
    cpu_after, own_after = cpu_seconds(server.pid), os.times()
    sessions_after = pg_sessions()
    # The CPU counters include the warm-up second.
    elapsed = duration + WARM_UP
    done = len(latencies)
    opened = None if sessions is None else sessions_after - sessions - 1  # the second probe's
    return {
        "rps": done / duration,
        "p50": percentile(latencies, 50) * 1000,
        "p95": percentile(latencies, 95) * 1000,
        "other": sum(n for status, n in answers.items() if status != 200),
        "server_cpu": sum(each_used(cpu[0], cpu_after[0]).values()) / elapsed,
        # Each server process's share (the busy ones): how evenly the connections spread.
        "split": sorted(
            (used / elapsed for used in each_used(cpu[0], cpu_after[0]).values() if used > 0.05),
            reverse=True,
        ),
        "pg_cpu": sum(each_used(cpu[1], cpu_after[1]).values()) / elapsed,
        "bench_cpu": (own_after.user + own_after.system - own.user - own.system) / elapsed,
        "sessions": opened,
        "answers": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default="/visitors/")
    parser.add_argument("--also", action="append", default=None, help="more paths (/healthz)")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    parser.add_argument("--workspace", default="Bench")
    parser.add_argument("--visitors", type=int, default=1000, help="seeded up to, once")
    parser.add_argument("--pool-max", type=int, help="TERTULIA_DB_POOL_MAX for the server")
    args = parser.parse_args()
    also = args.also if args.also is not None else ["/healthz"]
    paths = [path for path in (args.path, *also) if path]  # --also "": the one path only
    clients = [int(n) for n in args.clients.split(",")]
    processes = [int(n) for n in args.processes.split(",")]
    if not 0 < args.duration <= 60 or max(clients) > 256 or max(processes) > 8:
        parser.error("--duration up to 60 s, at most 256 clients and 8 processes")

    scratch = Path(tempfile.mkdtemp(prefix="tertulia-bench-concurrency-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("TERTULIA_VAR", str(scratch / "var"))
    if args.pool_max is not None:
        os.environ["TERTULIA_DB_POOL_MAX"] = str(args.pool_max)
    cookie, label = prepare(args.workspace, args.visitors)
    pool = os.environ.get("TERTULIA_DB_POOL_MAX", "default")
    print(f"Database: {label}; pool max per process: {pool}; CPUs: {os.cpu_count()}")
    print(f"{args.duration:g} s per run after {WARM_UP:g} s of warm-up; CPU in cores")
    print()
    print(
        f"{'path':<24} {'procs':>5} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'not 200':>7} {'server':>6} {'pg':>5} {'bench':>5} {'pg sessions':>11}"
    )
    for count in processes:
        log = scratch / f"serve-{count}.log"
        server, port = start_server(count, log)
        try:
            for path in paths:
                for n in clients:
                    r = run(server, port, path, cookie, n, args.duration)
                    sessions = "-" if r["sessions"] is None else str(r["sessions"])
                    print(
                        f"{path:<24} {count:>5} {n:>7} {r['rps']:>8.1f} {r['p50']:>8.1f}"
                        f" {r['p95']:>8.1f} {r['other']:>7} {r['server_cpu']:>6.2f}"
                        f" {r['pg_cpu']:>5.2f} {r['bench_cpu']:>5.2f} {sessions:>11}"
                        + (
                            f"  ({' + '.join(f'{c:.2f}' for c in r['split'])})" if count > 1 else ""
                        ),
                        flush=True,
                    )
                    run_name = f"{count} process{'es' if count > 1 else ''}, {n} clients"
                    bench = f"Concurrency, {path}"
                    record(bench, f"{run_name}, requests/s", round(r["rps"], 1), "req/s")
                    target = "<= 150" if path == "/visitors/" and n == 32 else ""
                    record(bench, f"{run_name}, p95", round(r["p95"], 1), "ms", target)
                    if r["other"]:
                        print(f"  answers: {dict(r['answers'])}")
        finally:
            stop_server(server)
    print(f"\nServer logs: {scratch}")


if __name__ == "__main__":
    main()
