"""Exports benchmark: "Export all matching" as CSV and XLSX, rows a second and process memory.

    .venv/bin/python bench/exports.py [--visitors 250000] [--runs 3] [--streamed]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/exports.py

Seeds the workspace "Bench" as bench/visitors_page.py does (SQLite in var/bench/ by default, or
the folder TERTULIA_VAR names) until the New tab holds over 100,000 visitors, then exports that
tab as a member would: by default as a large export runs (the job, then the worker's task, here
in this process, then the download through the ASGI handler); with --streamed, streamed in the
response as every export was before. Prints, per format, the time (the worker's, or the whole
download's), rows a second, the time to the download's first byte, and the rise of the process's
resident memory (RSS, sampled every 5 ms from /proc): anonymous memory, the process's own, and
file-backed pages, which SQLite's memory-mapped database file adds. On SQLite it then reads the
tab with plain sqlite3 under several page cache and mmap settings, a fresh process each, to show
where that memory comes from.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tertulia.config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("TERTULIA_VAR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from figures import record  # noqa: E402 (bench/ is on the path)
from workspace import ensure_workspace  # noqa: E402

from tertulia.visitors.models import Visitor  # noqa: E402

WORKSPACE = "Bench"
PAGE = 4096


def memory() -> tuple[int, int]:
    """The process's resident anonymous and file-backed bytes."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("RssAnon:", "RssFile:")):
                name, value, _unit = line.split()
                fields[name] = int(value) * 1024
    return fields["RssAnon:"], fields["RssFile:"]


class MemoryPeak:
    """The highest anonymous and file-backed RSS while the block runs, above where it started."""

    def __enter__(self):
        self.start = memory()
        self.peak = list(self.start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.005):
            anon, file = memory()
            self.peak = [max(self.peak[0], anon), max(self.peak[1], file)]

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        anon, file = memory()
        self.peak = [max(self.peak[0], anon), max(self.peak[1], file)]
        self.rise = (self.peak[0] - self.start[0], self.peak[1] - self.start[1])


async def asgi_download(path: str, query: str, cookie: str) -> tuple[int, float, int]:
    """GET through Django's ASGI handler as a server would, counting body bytes without keeping
    them; returns the status, seconds to the first body byte, and bytes."""
    from django.core.asgi import get_asgi_application

    app = get_asgi_application()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    started = time.perf_counter()
    first = None
    size = 0
    status = None
    requested = False
    never = asyncio.Event()

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()

    async def send(message):
        nonlocal size, status, first
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and message.get("body"):
            first = first if first is not None else time.perf_counter() - started
            size += len(message["body"])

    await app(scope, receive, send)
    return status, first or 0.0, size


def streamed(fmt: str, query: str, cookie: str) -> tuple[float, int, float]:
    """The export streamed in the response: seconds, bytes, seconds to the first byte."""
    started = time.perf_counter()
    status, first, size = asyncio.run(asgi_download(f"/visitors/export.{fmt}", query, cookie))
    assert status == 200, status
    return time.perf_counter() - started, size, first


def background_export(workspace, fmt: str, query: str, cookie: str) -> tuple[float, int, float]:
    """ "Export all matching" as a large one runs: the job made as the view makes it, written by
    the worker's task (here, in this process), then downloaded through the ASGI handler.
    Returns the worker's seconds, the file's bytes, and seconds to the download's first byte."""
    from tertulia.bulk.exports import export_delete, export_start
    from tertulia.bulk.models import ExportJob
    from tertulia.bulk.tasks import run_export_job

    job = export_start(member=workspace.members.get(), fmt=fmt, query=query)
    started = time.perf_counter()
    state = run_export_job.call(job.pk)
    elapsed = time.perf_counter() - started
    assert state == "done", state
    status, first, size = asyncio.run(
        asgi_download(f"/visitors/exports/{job.pk}/download", "", cookie)
    )
    assert status == 200, status
    export_delete(job=ExportJob.objects.get(pk=job.pk))
    return elapsed, size, first


def sqlite_memory(path: str, status: str) -> None:
    """Why a process reading a whole tab from SQLite grows: one read of the tab with plain
    sqlite3 in a fresh process per setting, with RSS before and after."""
    print(f"\nSQLite: one read of the {status} tab, a fresh process each, RSS in MB")
    print(
        f"{'cache_size':>10} {'mmap_size':>10} {'cpu s':>6} {'anon before->after':>19} {'file before->after':>19}"
    )
    for cache, mmap in (
        (-64000, 268435456),
        (-64000, 0),
        (-2000, 268435456),
        (-2000, 0),
        (-64000, 4 << 30),
    ):
        probe = subprocess.run(  # noqa: S603 (this interpreter, this script)
            [sys.executable, __file__, "--probe", path, status, str(cache), str(mmap)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(probe.stdout.strip())


def probe(path: str, status: str, cache: int, mmap: int) -> None:
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA cache_size={cache}")
    connection.execute(f"PRAGMA mmap_size={mmap}")
    (workspace,) = connection.execute(
        "SELECT id FROM accounts_workspace WHERE name = ?", [WORKSPACE]
    ).fetchone()
    before = memory()
    started = time.process_time()
    for _row in connection.execute(
        "SELECT id, number, name, email, phone, status, country, city, region, engaged, created_at"
        " FROM visitors_visitor WHERE workspace_id = ? AND is_preview = 0 AND status = ?"
        " ORDER BY created_at DESC, id DESC",
        [workspace, status],
    ):
        pass
    cpu = time.process_time() - started
    after = memory()
    print(
        f"{cache:>10} {mmap:>10} {cpu:>6.2f} {before[0] >> 20:>8} -> {after[0] >> 20:>6}"
        f" {before[1] >> 20:>8} -> {after[1] >> 20:>6}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--status", default="new", help="The tab exported.")
    parser.add_argument(
        "--streamed",
        action="store_true",
        help="Stream every export in the response, however large (as before background exports).",
    )
    args = parser.parse_args()

    workspace = ensure_workspace(WORKSPACE, args.visitors)
    rows = Visitor.objects.filter(workspace=workspace, status=args.status, is_preview=False).count()
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(workspace.members.get().user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    background = not args.streamed
    try:
        from tertulia.bulk import exports as large

        large.IMMEDIATE_MAX = large.IMMEDIATE_MAX if background else 10**9
    except ImportError:  # before background exports: every export streams
        background = False
    how = "written by the worker, then downloaded" if background else "streamed in the response"
    print(
        f"\n{connection.vendor}: export all matching, {rows:,} rows, {how}, {args.runs} runs each"
    )
    print(
        f"{'export':<6} {'s':>7} {'rows/s':>9} {'MB':>6} {'1st byte s':>10} "
        f"{'RSS anon +MB':>13} {'RSS file +MB':>13}"
    )
    for fmt in ("csv", "xlsx"):
        # Once on a small part of the tab first, so that what is loaded once is not counted.
        if background:
            background_export(workspace, fmt, f"status={args.status}&country=PT", cookie)
        else:
            streamed(fmt, f"status={args.status}&country=PT&scope=all", cookie)
        results = []
        for _ in range(args.runs):
            with MemoryPeak() as peak:
                if background:
                    elapsed, size, first = background_export(
                        workspace, fmt, f"status={args.status}", cookie
                    )
                else:
                    elapsed, size, first = streamed(fmt, f"status={args.status}&scope=all", cookie)
            results.append((elapsed, size, first, *peak.rise))
        elapsed = statistics.median(r[0] for r in results)
        target = {"csv": ">= 100,000", "xlsx": ">= 30,000"}[fmt]
        record(
            "Export all matching", f"{fmt.upper()} rows/s", round(rows / elapsed), "rows/s", target
        )
        record(
            "Export all matching",
            f"{fmt.upper()} memory rise (RSS, anonymous)",
            round(max(r[3] for r in results) / 1e6, 1),
            "MB",
            "flat",
        )
        print(
            f"{fmt:<6} {elapsed:>7.2f} {rows / elapsed:>9,.0f} {results[0][1] / 1e6:>6.1f} "
            f"{statistics.median(r[2] for r in results):>10.2f} "
            f"{max(r[3] for r in results) / 1e6:>13.1f} {max(r[4] for r in results) / 1e6:>13.1f}"
        )
    if connection.vendor == "sqlite":
        sqlite_memory(str(connection.settings_dict["NAME"]), args.status)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
