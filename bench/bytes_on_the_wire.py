"""Bytes on the wire: what Chromium downloads for the demo shop page with the widget, as `make run`
serves it.

    .venv/bin/python bench/bytes_on_the_wire.py [--runs 3] [--keep]

Sets up a fresh var dir like `make run` (migrate, collectstatic, setupdemo), starts one uvicorn
process (bench/widget_server.py) and loads /demo/ in Debian's Chromium (Playwright), each visit
in a new browser context, so with an empty cache:

  (a) the page with the widget's launcher, the chat not opened;
  (b) the same page, then the launcher clicked and the chat open with the bot's first question.

Chrome DevTools' network events give, per request, the bytes received over the wire (headers and
body as sent, compressed or not: `encodedDataLength`) and the body once decoded. WebSocket frames
are shown apart: DevTools gives their payload after permessage-deflate has been undone.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from widget_server import (  # noqa: E402 (bench/ is this script's folder)
    BenchError,
    migrate,
    prepare_environment,
    start_server,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TYPES = ["Document", "Script", "Stylesheet", "Fetch", "XHR", "Image", "Font", "Other"]


def tertulia_command(env: dict, *arguments: str) -> None:
    """This venv's `tertulia` with the bench's environment, as `make run` calls it."""
    tertulia = Path(sys.executable).parent / "tertulia"
    command = [str(tertulia)] if tertulia.exists() else [sys.executable, "-m", "tertulia"]
    subprocess.run(  # noqa: S603 (this venv's own command, fixed arguments)
        [*command, *arguments],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class Request:
    type: str = "Other"
    url: str = ""
    status: int = 0
    coding: str = ""
    wire: int = 0  # bytes received: headers and body as sent
    body: int = 0  # body bytes once decoded
    cached: bool = False


@dataclass
class Visit:
    requests: dict[str, Request] = field(default_factory=dict)
    socket_frames: int = 0
    socket_payload: int = 0  # received, after permessage-deflate

    def listen(self, cdp) -> None:
        def request(event):
            entry = self.requests.setdefault(event["requestId"], Request())
            entry.type = event.get("type", entry.type)
            entry.url = event["request"]["url"]

        def response(event):
            entry = self.requests.setdefault(event["requestId"], Request())
            entry.type = event.get("type", entry.type)
            entry.status = event["response"]["status"]
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            entry.coding = headers.get("content-encoding", "")
            entry.cached = bool(event["response"].get("fromDiskCache"))

        def data(event):
            self.requests.setdefault(event["requestId"], Request()).body += event["dataLength"]

        def finished(event):
            self.requests.setdefault(event["requestId"], Request()).wire = int(
                event["encodedDataLength"]
            )

        def frame(event):
            self.socket_frames += 1
            self.socket_payload += len(event["response"]["payloadData"].encode())

        cdp.on("Network.requestWillBeSent", request)
        cdp.on("Network.responseReceived", response)
        cdp.on("Network.dataReceived", data)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.webSocketFrameReceived", frame)

    def by_type(self) -> dict[str, list[Request]]:
        grouped = defaultdict(list)
        for entry in self.requests.values():
            if entry.url.startswith("http"):
                grouped[entry.type].append(entry)
        return grouped

    @property
    def wire(self) -> int:
        return sum(r.wire for group in self.by_type().values() for r in group)

    @property
    def body(self) -> int:
        return sum(r.body for group in self.by_type().values() for r in group)


def visit(browser, url: str, *, open_chat: bool) -> Visit:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        measured = Visit()
        measured.listen(cdp)
        cdp.send("Network.enable")
        page.goto(url)
        launcher = page.locator("[data-tertulia] button")
        launcher.wait_for()
        page.wait_for_load_state("networkidle")
        if open_chat:
            launcher.click()
            chat = page.frame_locator("[data-tertulia] iframe")
            chat.locator(".options button").first.wait_for()
            page.wait_for_load_state("networkidle")
        time.sleep(0.5)  # the last loadingFinished events
        cdp.detach()
        return measured
    finally:
        context.close()


def table(title: str, visit: Visit) -> list[str]:
    lines = [title, f"{'type':<12}{'requests':>9}{'on the wire':>13}{'decoded':>10}  codings"]
    grouped = visit.by_type()
    for kind in [*TYPES, *sorted(set(grouped) - set(TYPES))]:
        entries = grouped.get(kind)
        if not entries:
            continue
        codings = sorted({r.coding or "none" for r in entries})
        lines.append(
            f"{kind.lower():<12}{len(entries):>9}{sum(r.wire for r in entries):>13,}"
            f"{sum(r.body for r in entries):>10,}  {', '.join(codings)}"
        )
    requests = sum(len(group) for group in grouped.values())
    lines.append(f"{'total':<12}{requests:>9}{visit.wire:>13,}{visit.body:>10,}")
    if visit.socket_frames:
        lines.append(
            f"websocket: {visit.socket_frames} frames received, "
            f"{visit.socket_payload:,} bytes of payload"
        )
    return lines


def details(visit: Visit) -> list[str]:
    lines = []
    for entry in sorted(visit.requests.values(), key=lambda r: (r.type, r.url)):
        if entry.url.startswith("http"):
            path = entry.url.split("/", 3)[-1]
            lines.append(
                f"  {entry.type.lower():<11}{entry.status:>4} {entry.coding or '-':<5}"
                f"{entry.wire:>8,}{entry.body:>9,}  /{path[:70]}"
            )
    return lines


def median_visit(visits: list[Visit]) -> Visit:
    """The visit with the median total (the bytes vary by a few dozen between runs: tokens,
    gzip's random padding of JSON)."""
    return sorted(visits, key=lambda v: v.wire)[len(visits) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="visits per case; the median shown")
    parser.add_argument("--details", action="store_true", help="list every request")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise BenchError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium.")

    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="tertulia-bench-bytes-"))
    server = None
    try:
        os.environ["TERTULIA_DEMO_IP"] = os.environ.get("TERTULIA_DEMO_IP", "2.139.0.1")
        env = prepare_environment(scratch)
        migrate(env)
        tertulia_command(env, "collectstatic", "--no-input")
        tertulia_command(env, "setupdemo")

        import django

        django.setup()
        from django.db import connections

        from tertulia.flows.models import Bot

        key = Bot.objects.order_by("pk").values_list("public_key", flat=True).first()
        connections.close_all()
        server = start_server(env, scratch, key)

        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                cases = {
                    "(a) /demo/, launcher shown": [
                        visit(browser, f"{server.url}/demo/", open_chat=False)
                        for _ in range(args.runs)
                    ],
                    "(b) /demo/, chat opened": [
                        visit(browser, f"{server.url}/demo/", open_chat=True)
                        for _ in range(args.runs)
                    ],
                }
                version = browser.version
            finally:
                browser.close()

        print(
            f"Chromium {version}, empty cache per visit; one uvicorn process at {server.url}; "
            f"Python {platform.python_version()}, Django {django.get_version()}; "
            f"median of {args.runs} visits; bytes"
        )
        for title, visits in cases.items():
            chosen = median_visit(visits)
            print()
            print("\n".join(table(title, chosen)))
            if args.details:
                print("\n".join(details(chosen)))
        print(f"\nbench took {time.perf_counter() - started:.0f} s")
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"scratch dir kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
