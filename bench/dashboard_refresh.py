"""What live updates cost the server when many dashboards are open: 32 dashboard sockets on one
`tertulia serve` process, one status change a second by another agent, and the list fetches the
dashboards make in answer, following the rule of the dashboard's script before and after it was
bounded (tertulia/static/tertulia/app.js):

- before: each refresh event restarts a 400 ms timer; the list is fetched when it runs out;
- after: the first event of a burst fetches 300 ms later, then at most one fetch every 3 s while
  events keep coming, and none from a hidden tab (`--hidden`: the share of hidden tabs).

The dashboards here are simulated on real sockets: each one hears the events over its own
WebSocket and, when its rule says so, really fetches the Visitors list fragment (as htmx does)
with its own session.

    .venv/bin/python bench/dashboard_refresh.py [--dashboards 32] [--seconds 20] [--hidden 0.5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/dashboard_refresh.py
"""

import argparse
import asyncio
import json
import math
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from figures import record
from widget_server import (
    HTTP,
    database_label,
    delete_visitors,
    ensure_bot,
    migrate,
    prepare_environment,
    raise_file_limit,
    start_server,
    visitors_for_sockets,
)

RULES = {"before": (0.4, 0.0), "after": (0.3, 3.0)}  # (settle, at most one per) seconds


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


def sessions(user, count: int) -> list[str]:
    from django.test import Client

    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    return keys


def get(url: str, session: str) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(
        url, headers={"Cookie": f"sessionid={session}", "HX-Request": "true"}
    )
    with HTTP.open(request, timeout=30) as response:
        response.read()
    return time.perf_counter() - started


def post_status(base: str, session: str, visitor_id: int, status: str) -> int:
    csrf = secrets.token_hex(16)
    request = urllib.request.Request(
        f"{base}/visitors/{visitor_id}/status/",
        data=f"status={status}".encode(),
        method="POST",
        headers={
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Referer": base + "/visitors/",
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
        },
    )
    with HTTP.open(request, timeout=30) as response:
        return response.status


class Dashboard:
    """One open Visitors page: its socket, its rule, the fetches it made."""

    def __init__(self, server, session: str, rule: str, hidden: bool, refresh_events):
        self.server, self.session, self.hidden = server, session, hidden
        self.settle, self.every = RULES[rule]
        self.rule, self.refresh = rule, refresh_events
        self.timer: asyncio.TimerHandle | None = None
        self.fetched_at = -math.inf
        self.fetches: list[float] = []
        self.events = 0
        self.busy: set = set()

    def heard(self, message: dict) -> None:
        if message.get("event") not in self.refresh:
            return
        self.events += 1
        loop = asyncio.get_running_loop()
        if self.rule == "before":
            if self.timer:
                self.timer.cancel()
            self.timer = loop.call_later(self.settle, self.fetch)
        elif not self.hidden and self.timer is None:
            wait = max(self.settle, self.fetched_at + self.every - loop.time())
            self.timer = loop.call_later(wait, self.fetch)

    def fetch(self) -> None:
        self.timer = None
        self.fetched_at = asyncio.get_running_loop().time()
        task = asyncio.create_task(self._fetch())
        self.busy.add(task)
        task.add_done_callback(self.busy.discard)

    async def _fetch(self) -> None:
        self.fetches.append(
            await asyncio.to_thread(get, f"{self.server.url}/visitors/", self.session)
        )

    async def listen(self, until: float) -> None:
        from websockets.asyncio.client import connect

        async with connect(
            f"{self.server.ws_url}/ws/dashboard/",
            origin=self.server.url,
            additional_headers={"Cookie": f"sessionid={self.session}"},
            proxy=None,
            open_timeout=15,
        ) as ws:
            while (left := until - time.monotonic()) > 0:
                try:
                    self.heard(json.loads(await asyncio.wait_for(ws.recv(), left)))
                except TimeoutError:
                    break
        if self.timer:  # the last burst's fetch, as the page would make it
            self.timer.cancel()
            self.fetch()
        await asyncio.gather(*list(self.busy))


async def scenario(args, server, rule: str, keys: list[str], visitor_ids: list[int]) -> dict:
    """One run; `visitor_ids`: the visitors changed, one each second (each a new change)."""
    from tertulia.realtime.events import for_dashboard

    refresh = set(for_dashboard()["refresh"])
    hidden_count = round(args.hidden * args.dashboards) if rule == "after" else 0
    boards = [
        Dashboard(server, key, rule, n < hidden_count, refresh)
        for n, key in enumerate(keys[: args.dashboards])
    ]
    until = time.monotonic() + args.seconds + 2
    listening = [asyncio.create_task(board.listen(until)) for board in boards]
    await asyncio.sleep(1)  # the sockets open
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    statuses = ["lead", "customer", "closed", "new"]
    for n in range(int(args.seconds)):
        due = started + n
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        status = statuses[(n // len(visitor_ids)) % len(statuses)]
        await asyncio.to_thread(
            post_status, server.url, keys[-1], visitor_ids[n % len(visitor_ids)], status
        )
    await asyncio.gather(*listening)
    elapsed = time.perf_counter() - started
    fetches = [f for board in boards for f in board.fetches]
    return {
        "rule": rule,
        "hidden": hidden_count,
        "events": sum(board.events for board in boards) / len(boards),
        "fetches": len(fetches),
        "per_second": len(fetches) / args.seconds,
        "p50": percentile(fetches, 50) * 1000,
        "p95": percentile(fetches, 95) * 1000,
        "cpu": (server.cpu_seconds() - cpu) / elapsed,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dashboards", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20, help="one status change a second")
    parser.add_argument("--hidden", type=float, default=0.5, help="share of hidden tabs, after")
    parser.add_argument("--visitors", type=int, default=2000, help="in the workspace's list")
    args = parser.parse_args()

    raise_file_limit()
    scratch = Path(tempfile.mkdtemp(prefix="tertulia-bench-dash-"))
    server = workspace = None
    try:
        env = prepare_environment(scratch)
        migrate(env)
        import django

        django.setup()
        from tertulia.accounts.models import Member
        from tertulia.visitors.models import Visitor

        label = database_label()
        workspace, bot = ensure_bot()
        visitors_for_sockets(workspace, bot, args.visitors)
        ids = list(Visitor.objects.filter(workspace=workspace).values_list("pk", flat=True))
        owner = Member.objects.filter(workspace=workspace).select_related("user").first().user
        keys = sessions(owner, args.dashboards + 1)
        server = start_server(env, scratch, bot.public_key)
        print(f"database: {label}; {args.visitors:,} visitors; one `tertulia serve` process")
        print(
            f"{args.dashboards} dashboards on the Visitors page, one status change a second for "
            f"{args.seconds} s by another agent\n"
        )
        print(
            f"{'rule':<7} {'hidden':>6} {'events/board':>12} {'list fetches':>12} {'fetches/s':>9}"
            f" | {'fetch ms p50':>12} {'p95':>7} | srv CPU"
        )
        for number, rule in enumerate(("before", "after")):
            changed = ids[number * args.seconds : (number + 1) * args.seconds]
            r = asyncio.run(scenario(args, server, rule, keys, changed))
            record(
                "Dashboards",
                f"list fetches/s, {args.dashboards} open, 1 change/s ({rule} coalescing)",
                round(r["per_second"], 1),
                "fetches/s",
            )
            print(
                f"{r['rule']:<7} {r['hidden']:>6} {r['events']:>12.1f} {r['fetches']:>12}"
                f" {r['per_second']:>9.1f} | {r['p50']:>12.1f} {r['p95']:>7.1f} | {r['cpu']:>6.0%}"
            )
    finally:
        if server is not None:
            server.stop()
        if workspace is not None:
            delete_visitors(workspace)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
