"""Visitors page benchmark: server time and SQL queries with a large seeded workspace.

    .venv/bin/python bench/visitors_page.py [--visitors 100000] [--runs 15] [--plans]
                                            [--workspace "Bench"]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/visitors_page.py

Seeds the workspace "Bench" (or --workspace) up to --visitors once (SQLite in TERTULIA_VAR,
var/bench/ by default; 10 messages per visitor), then renders pages in-process through Django's full request stack (middleware, session,
templates) and prints the median and 95th percentile per request next to its target, the number
of SQL queries and the size of the response; with --plans, the query plans of the list.
"""

import argparse
import os
import statistics
import sys
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
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from figures import record  # noqa: E402 (bench/ is on the path)
from workspace import ensure_workspace  # noqa: E402 (bench/ is on the path)

from tertulia.accounts.models import Workspace  # noqa: E402
from tertulia.visitors.filters import VisitorFilters  # noqa: E402
from tertulia.visitors.models import Visitor  # noqa: E402
from tertulia.visitors.selectors import visitor_matching  # noqa: E402


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


def anchor_at(workspace, position: int) -> int:
    """The id of the row at `position` (1-based) of the New tab, newest first: the cursor a
    reader who clicked Next (position / 25) times would follow."""
    filters = VisitorFilters.from_query(QueryDict(""))[0]
    rows = visitor_matching(workspace=workspace, filters=filters).values_list("id", flat=True)
    return rows[position - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--plans", action="store_true", help="Print the query plans too.")
    parser.add_argument("--workspace", default="Bench", help="seeded once, then reused")
    args = parser.parse_args()

    workspace = ensure_workspace(args.workspace, args.visitors)
    total = Visitor.objects.filter(workspace=workspace).count()
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(workspace.members.get().user)
    sample = (
        Visitor.objects.filter(workspace=workspace, status="lead").order_by("-created_at").first()
    )
    new = Visitor.objects.filter(workspace=workspace, status="new", is_preview=False).count()
    deep = min(2000 * 25, max(1, new - 25))
    hx = {"HX-Request": "true", "HX-Target": "results"}
    panel = {"HX-Request": "true"}
    # (label, address, headers, target p95 in ms)
    cases = [
        ("Visitors page, full", "/visitors/", None, 20),
        ("list refresh, New tab", "/visitors/?status=new", hx, 15),
        ("list refresh, Leads tab", "/visitors/?status=lead", hx, 15),
        ("list refresh, Archived tab", "/visitors/?status=archived", hx, 15),
        ("list, Mine / Unassigned views", "/visitors/?view=unassigned", hx, 15),
        ("sorted by name, descending", "/visitors/?sort=-name", hx, 20),
        ("sorted by last message", "/visitors/?sort=-activity", hx, 20),
        ("search surname 'garcia'", "/visitors/?q=garcia", hx, 50),
        ("search e-mail fragment 'hotmail'", "/visitors/?q=hotmail", hx, 50),
        ("search phone digits '612'", "/visitors/?q=612", hx, 50),
        ("search with no match", "/visitors/?q=zqxjwv", hx, 50),
        ("filter country ES", "/visitors/?country=ES", hx, 30),
        ("filter engaged only", "/visitors/?engaged=on", hx, 30),
        ("filter e-mail 'gmail'", "/visitors/?email=gmail", hx, 30),
        ("filter one month", "/visitors/?started_from=2026-06-01&started_to=2026-06-30", hx, 30),
        (
            f"page {deep // 25:,} (Next from row {deep:,})",
            f"/visitors/?after={anchor_at(workspace, deep)}&start={deep + 1}",
            hx,
            25,
        ),
        ("last page", "/visitors/?page=last", hx, 25),
        ("full page with panel open", f"/visitors/?open={sample.pk}", None, 25),
        ("panel, Info", f"/visitors/{sample.pk}/panel/?panel=info", panel, 25),
        ("panel, Conversation", f"/visitors/{sample.pk}/panel/?panel=conversation", panel, 25),
        ("visitor's full page", f"/visitors/{sample.pk}/", None, 25),
    ]
    print(f"\n{connection.vendor}, {total:,} visitors in the workspace, {args.runs} runs each")
    print(f"{'request':<40} {'median ms':>10} {'p95 ms':>8} {'target':>7} {'queries':>8} {'KB':>7}")
    size_label = f"{total:,} visitors"
    for label, url, headers, target in cases:
        median, p95, queries, size = measure(client, url, args.runs, headers)
        record(
            f"Visitors page at {size_label}", f"{label}, p95", round(p95, 1), "ms", f"<= {target}"
        )
        print(
            f"{label:<40} {median:>10.1f} {p95:>8.1f} {'<= ' + str(target):>7} {queries:>8}"
            f" {size / 1024:>7.1f}"
        )
    estimates(workspace, [url for _label, url, _headers, _target in cases if "=" in url])
    if args.plans:
        plans(workspace)


def estimates(workspace: Workspace, urls: list[str]):
    """The tab counts the filtered lists above showed, next to exact counts (counted here with
    no time budget): which were estimated, and how far off."""
    from tertulia.visitors import selectors

    print("\ntab counts under filters: shown (≈ estimated, + at least) / exact")
    errors = []
    for url in urls:
        query = QueryDict(url.partition("?")[2])
        if not any(key in query for key in ("q", "country", "engaged", "email", "started_from")):
            continue
        filters = VisitorFilters.from_query(query)[0]
        workspace.refresh_from_db()
        shown = selectors.visitor_counts(workspace=workspace, filters=filters).tabs
        exact = {
            status: Visitor.objects.filter(workspace=workspace, status=status)
            .filter(filters.condition())
            .count()
            for status in shown
        }
        cells = []
        for status, count in shown.items():
            if isinstance(count, selectors.About):
                errors.append(abs(count - exact[status]) / max(exact[status], 1))
                cells.append(f"{status} ≈{count:,}/{exact[status]:,}")
            elif count is None:
                cells.append(f"{status} …/{exact[status]:,}")
            elif count > selectors.COUNT_CAP:
                cells.append(f"{status} {selectors.COUNT_CAP:,}+/{exact[status]:,}")
            else:
                cells.append(f"{status} {count:,}/{exact[status]:,}")
        print(f"  {url.partition('?')[2]:<45} " + "  ".join(cells))
    if errors:
        errors.sort()
        median, worst = statistics.median(errors), errors[-1]
        print(f"estimates: {len(errors)}, off by {median:.0%} (median), {worst:.0%} at most")
        record(
            f"Visitors page at {workspace.visitor_seq:,} visitors",
            "estimated counts, median error",
            round(median * 100, 1),
            "%",
        )


def plans(workspace: Workspace):
    print("\nquery plans")
    cases = {
        "rows (New, newest first)": "",
        "rows (sorted by name, descending)": "sort=-name",
        "rows (searching 'garcia')": "q=garcia",
        "rows (country ES)": "country=ES",
    }
    for label, query in cases.items():
        filters = VisitorFilters.from_query(QueryDict(query))[0]
        print(f"-- {label}")
        print(visitor_matching(workspace=workspace, filters=filters)[:26].explain())


if __name__ == "__main__":
    main()
