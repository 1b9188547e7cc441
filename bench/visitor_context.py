"""What knowing a visitor costs: IP -> location, user agent -> device, and a whole widget opening.

    .venv/bin/python bench/visitor_context.py [--lookups 20000] [--opens 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/visitor_context.py

Looks up random public addresses in the DB-IP City Lite database that installs with the project,
parses real user-agent strings (cold, then from the cache), and opens the widget as new visitors
through Django's request stack (location, device, IP policy, the visitor row, the first page view
and the flow's greeting), with a fresh address each time (SQLite in var/bench-context/ by default).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tertulia.config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("TERTULIA_VAR", str(ROOT / "var" / "bench-context"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from tertulia.accounts.models import Workspace  # noqa: E402
from tertulia.accounts.services import workspace_create_with_owner  # noqa: E402
from tertulia.demo.seeding import USER_AGENTS  # noqa: E402
from tertulia.flows.models import Bot  # noqa: E402
from tertulia.flows.services import bot_create  # noqa: E402
from tertulia.geo.device import parse_device  # noqa: E402
from tertulia.geo.location import database_path, locate  # noqa: E402
from tertulia.visitors.models import Visitor  # noqa: E402


def public_ips(count: int, rng: random.Random) -> list[str]:
    ips = []
    while len(ips) < count:
        ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if not ip.startswith(("10.", "127.", "192.168.", "172.", "100.")):
            ips.append(ip)
    return ips


def variants(count: int, rng: random.Random) -> list[str]:
    """Distinct real-looking user agents: the seed's strings with other version numbers."""
    return [
        rng.choice(USER_AGENTS).replace("131.0", f"{rng.randint(90, 140)}.{n}")
        for n in range(count)
    ]


def timed(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--opens", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)

    print(f"database: {database_path()} ({Path(database_path()).stat().st_size / 1e6:.0f} MB)")
    start = time.perf_counter()
    locate("2.139.0.1")
    print(f"first lookup (opens the file):      {(time.perf_counter() - start) * 1e3:8.2f} ms")
    ips = public_ips(args.lookups, rng)
    found = sum(1 for ip in ips if locate(ip))
    print(
        f"location lookup:                    {timed(locate, ips):8.1f} µs  "
        f"({found / len(ips):.0%} of random public addresses have a place)"
    )

    agents = variants(2_000, rng)
    parse_device.cache_clear()
    print(f"user agent, not cached:             {timed(parse_device, agents):8.1f} µs")
    print(f"user agent, cached:                 {timed(parse_device, agents[-1000:]):8.1f} µs")

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(name="Bench context").first()
    if workspace is None:
        owner = workspace_create_with_owner(
            workspace_name="Bench context", email="bench-context@tertulia.test", password="x" * 20
        )
        workspace = owner.workspace
        bot_create(workspace=workspace, name="Bench bot")
    bot = Bot.objects.get(workspace=workspace)
    client = Client(HTTP_HOST="127.0.0.1")
    page = {
        "url": "https://shop.example/precios?utm_source=google",
        "languages": ["es-ES", "es"],
        "timezone": "Europe/Madrid",
        "screen": [1920, 1080],
        "title": "Precios",
    }
    times = []
    for ip, agent in zip(public_ips(args.opens, rng), variants(args.opens, rng), strict=True):
        start = time.perf_counter()
        response = client.post(
            f"/widget/{bot.public_key}/open",
            {"page": page},
            content_type="application/json",
            REMOTE_ADDR=ip,
            headers={"User-Agent": agent},
        )
        times.append((time.perf_counter() - start) * 1e3)
        assert response.status_code in (200, 429), response.content
    times.sort()
    vendor = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(
        f"widget opening, new visitor ({vendor}): median {statistics.median(times):.1f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.1f} ms over {len(times)} "
        f"({Visitor.objects.filter(workspace=workspace).count()} visitors in the workspace)"
    )


if __name__ == "__main__":
    main()
