"""Visitors page benchmark: server time and SQL queries with a large seeded workspace.

    .venv/bin/python bench/visitors_page.py [--visitors 100000] [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/visitors_page.py

Seeds the workspace "Bench" once (SQLite in var/bench/ by default), then renders pages in-process
through Django's full request stack (middleware, session, templates) and prints the median and
95th percentile per request, the number of SQL queries, and the query plans of the list.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tertulia.config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("TERTULIA_VAR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tertulia.accounts.models import Workspace  # noqa: E402
from tertulia.accounts.services import workspace_create_with_owner  # noqa: E402
from tertulia.visitors.filters import VisitorFilters  # noqa: E402
from tertulia.visitors.models import Visitor  # noqa: E402
from tertulia.visitors.selectors import visitor_filtered, visitor_matching  # noqa: E402

WORKSPACE = "Bench"


def ensure_data(count: int, messages: int = 10):
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    workspace = Workspace.objects.filter(name=WORKSPACE).first()
    if workspace is None:
        member = workspace_create_with_owner(
            workspace_name=WORKSPACE, email="bench@tertulia.test", password="bench-password-1"
        )
        workspace = member.workspace
    have = Visitor.objects.filter(workspace=workspace).count()
    if have < count:
        started = time.perf_counter()
        call_command(
            "seed",
            visitors=count - have,
            messages_per_visitor=messages,
            workspace=WORKSPACE,
            seed=have + 7,
        )
        print(f"seeded {count - have:,} visitors in {time.perf_counter() - started:.1f} s")
    # What autovacuum does in production: fresh statistics and a visibility map (index-only scans).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return workspace


def measure(client: Client, url: str, runs: int, headers=None) -> tuple[float, float, int, int]:
    """Median and p95 milliseconds, SQL queries of one request, and bytes of the response."""
    client.get(url, headers=headers)  # warm caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        if response.streaming:
            size = sum(len(chunk) for chunk in response)
        else:
            size = len(response.content)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries), size


async def asgi_download(path: str, query: str, cookie: str) -> tuple[float, int, int]:
    """GET through Django's ASGI handler as a server would, counting body bytes without keeping
    them; returns seconds, bytes and the peak of Python memory while it ran."""
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
    size = 0
    status = None

    requested = False
    never = asyncio.Event()

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()  # the client stays connected until the response is done

    async def send(message):
        nonlocal size, status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    tracemalloc.start()
    started = time.perf_counter()
    await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert status == 200, status
    return elapsed, size, peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    workspace = ensure_data(args.visitors)
    total = Visitor.objects.filter(workspace=workspace).count()
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(workspace.members.get().user)
    sample = (
        Visitor.objects.filter(workspace=workspace, status="lead").order_by("-created_at").first()
    )
    hx = {"HX-Request": "true", "HX-Target": "results"}
    cases = [
        ("list, New tab (full page)", "/visitors/", None),
        ("list, Leads tab (htmx fragment)", "/visitors/?status=lead", hx),
        ("list, 100 per page", "/visitors/?per_page=100", hx),
        ("list, sorted by name", "/visitors/?sort=name", hx),
        ("list, page 200", "/visitors/?page=200", hx),
        ("search box 'garcia'", "/visitors/?q=garcia", hx),
        ("search phone digits '612'", "/visitors/?q=612", hx),
        ("filter country ES + engaged", "/visitors/?country=ES&engaged=on", hx),
        ("filter e-mail 'gmail'", "/visitors/?email=gmail", hx),
        (
            "filter date range (one month)",
            "/visitors/?started_from=2026-06-01&started_to=2026-06-30",
            hx,
        ),
        ("panel open, Info", f"/visitors/{sample.pk}/panel/?panel=info", {"HX-Request": "true"}),
        (
            "panel open, Conversation",
            f"/visitors/{sample.pk}/panel/?panel=conversation",
            {"HX-Request": "true"},
        ),
        ("full detail page", f"/visitors/{sample.pk}/", None),
        ("export current page, CSV", "/visitors/export.csv?status=new", None),
        ("export current page, XLSX", "/visitors/export.xlsx?status=new", None),
    ]
    print(f"\n{connection.vendor}, {total:,} visitors in the workspace, {args.runs} runs each")
    print(f"{'request':<36} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'KB':>7}")
    for label, url, headers in cases:
        median, p95, queries, size = measure(client, url, args.runs, headers)
        print(f"{label:<36} {median:>10.1f} {p95:>8.1f} {queries:>8} {size / 1024:>7.1f}")

    print("\nexport all matching through the ASGI handler: time and Python peak memory")
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    for status in ("closed", "new"):
        rows = Visitor.objects.filter(workspace=workspace, status=status).count()
        for fmt in ("csv", "xlsx"):
            elapsed, size, peak = asyncio.run(
                asgi_download(f"/visitors/export.{fmt}", f"status={status}&scope=all", cookie)
            )
            print(
                f"  {status:>6} {fmt:<4}: {rows:>7,} rows, {size / 1e6:5.1f} MB in {elapsed:5.2f} s, peak {peak / 1e6:5.1f} MB"
            )

    print("\nquery plans")
    filters = VisitorFilters.from_query(QueryDict(""))[0]
    searching = VisitorFilters.from_query(QueryDict("q=garcia"))[0]
    plans = {
        "rows (New, newest first)": visitor_matching(workspace=workspace, filters=filters)[:25],
        "rows (sorted by name)": visitor_matching(
            workspace=workspace, filters=VisitorFilters.from_query(QueryDict("sort=name"))[0]
        )[:25],
        "tab counts": visitor_filtered(workspace=workspace, filters=filters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id")),
        "tab counts while searching": visitor_filtered(workspace=workspace, filters=searching)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id")),
    }
    for label, queryset in plans.items():
        print(f"-- {label}")
        print(queryset.explain())


if __name__ == "__main__":
    main()
