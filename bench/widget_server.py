"""The widget benchmark's server side: a scratch var dir, the migrated database, the bench
workspace and bot, one `tertulia serve` process with the widget's rate limits lifted (every
simulated visitor shares 127.0.0.1), and what is measured in the database itself (writes per
message)."""

import contextlib
import json
import math
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKSPACE = "Bench WS"
OWNER_EMAIL = "bench-ws@tertulia.test"
LIFTED = 10**9
SETTINGS_MODULE = "tertulia_bench_ws_settings"
ASGI_MODULE = "tertulia_bench_ws_asgi"

# The server's settings: the project's own, without the widget's limits per visitor, per bot+IP
# and per IP (every simulated visitor shares 127.0.0.1).
SETTINGS_SOURCE = f'''"""The project's settings with the widget's rate limits lifted, for the benchmark's server."""

from tertulia.config.settings import *  # noqa: F403

RATE_LIMITS = {{
    **RATE_LIMITS,  # noqa: F405
    "new_visitors_per_ip": ({LIFTED}, 60),
    "messages_per_visitor": ({LIFTED}, 60),
    "messages_per_ip": ({LIFTED}, 60),
    "typing_per_visitor": ({LIFTED}, 60),
}}
'''

# The server's ASGI entry point: the project's application, with the settings above.
ASGI_SOURCE = f'''"""The project's ASGI application with the benchmark's settings."""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "{SETTINGS_MODULE}"

from tertulia.config.asgi import application  # noqa: E402,F401
'''


class BenchError(RuntimeError):
    pass


# Set-up: scratch dir, database, workspace and bot, the server process.


def prepare_environment(scratch: Path) -> dict:
    """Environment variables for this process, `tertulia migrate` and the server."""
    os.environ["TERTULIA_VAR"] = str(scratch / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tertulia.config.settings"
    (scratch / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE)
    (scratch / f"{ASGI_MODULE}.py").write_text(ASGI_SOURCE)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(scratch), str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


def migrate(env: dict) -> float:
    """Create the database and collect the static files, as `make run` does."""
    started = time.perf_counter()
    tertulia = Path(sys.executable).parent / "tertulia"
    command = [str(tertulia)] if tertulia.exists() else [sys.executable, "-m", "tertulia"]
    for step in (["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]):
        subprocess.run(  # noqa: S603 (this venv's own command, fixed arguments)
            [*command, *step], env=env, cwd=ROOT, check=True, timeout=300
        )
    return time.perf_counter() - started


def ensure_bot():
    """The bench workspace's bot (starter flow), with no visitors left from an earlier run."""
    from django.db import connections

    from tertulia.accounts.models import Workspace
    from tertulia.accounts.services import workspace_create_with_owner
    from tertulia.flows.models import Bot
    from tertulia.flows.services import bot_create
    from tertulia.visitors.models import Visitor

    workspace = Workspace.objects.filter(name=WORKSPACE).first()
    if workspace is None:
        workspace = workspace_create_with_owner(
            workspace_name=WORKSPACE, email=OWNER_EMAIL, password="bench-ws-password-1"
        ).workspace
    bot = Bot.objects.filter(workspace=workspace).order_by("pk").first()
    if bot is None:
        bot = bot_create(workspace=workspace, name="Bench WS bot")
    Visitor.objects.filter(workspace=workspace).delete()
    connections.close_all()
    return workspace, bot


def delete_visitors(workspace) -> int:
    from django.db import connections

    from tertulia.visitors.models import Visitor

    deleted = Visitor.objects.filter(workspace=workspace).delete()[1].get("visitors.Visitor", 0)
    connections.close_all()
    return deleted


def database_label() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            settings = connection.settings_dict
            where = f"{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
            label = f"PostgreSQL {version} ({where})"
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            label = f"SQLite {cursor.fetchone()[0]} (fresh file {connection.settings_dict['NAME']})"
        else:
            label = connection.vendor
    connection.close()
    return label


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


def http_json(url: str, body: dict | None = None, timeout: float = 15.0) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json", "User-Agent": "tertulia-bench"},
    )
    try:
        with HTTP.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User and system CPU time the server process has used so far (Linux /proc)."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return math.nan
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        """The server process's resident memory now (Linux /proc)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def start_server(env: dict, scratch: Path, key: str) -> Server:
    """One `tertulia serve` process (no task worker) with the bench's settings; ready once the
    bot's look answers. It inherits this process's open-file limit (`raise_file_limit`)."""
    log = scratch / "server.log"
    tertulia = Path(sys.executable).parent / "tertulia"
    command = [str(tertulia)] if tertulia.exists() else [sys.executable, "-m", "tertulia"]
    env = {**env, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
    for _attempt in range(3):  # another process may take the free port meanwhile
        port = free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 (this venv's own command, fixed arguments)
                [*command, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(process, port, log)
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            try:
                status, _ = http_json(f"{server.url}/widget/{key}/look", timeout=2)
                if status == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.1)
        server.stop()
    raise BenchError(f"the server did not start; see its log:\n{log.read_text()[-3000:]}")


def raise_file_limit() -> tuple[int, int]:
    """The soft limit of open files raised to the hard one (the server started afterwards
    inherits it): 5,000 sockets need 5,000 descriptors on each side. Returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def visitors_for_sockets(workspace, bot, count: int) -> list[str]:
    """`count` visitors written at once (as a seed would), each with the token its browser
    would keep; the sockets of the idle test connect with these."""
    import secrets

    from django.db import connections, transaction

    from tertulia.visitors.models import Visitor
    from tertulia.visitors.services import allocate_visitor_numbers
    from tertulia.widget.services import token_hash

    tokens = [secrets.token_urlsafe(32) for _ in range(count)]
    with transaction.atomic():
        first = allocate_visitor_numbers(workspace=workspace, count=count)
        Visitor.objects.bulk_create(
            [
                Visitor(workspace=workspace, bot=bot, number=first + i, token_hash=token_hash(t))
                for i, t in enumerate(tokens)
            ],
            batch_size=1000,
        )
    connections.close_all()
    return tokens


@dataclass
class Writes:
    messages: int
    statements: int  # SELECT, INSERT, UPDATE and DELETE statements
    inserts: int
    updates: int
    rows: int  # rows inserted, updated or deleted, by the statements and the triggers they fired


def writes_per_message(workspace, bot, count: int = 200) -> Writes:
    """Send `count` texts through the service the socket calls (`widget_action_apply`), here
    in this process on the same database while the server is idle, and count what they write:
    the SQL statements (Django's CaptureQueriesContext) and the rows the database changed,
    triggers included (SQLite: this connection's total_changes(); PostgreSQL: the transaction's
    pg_stat_xact_user_tables, the texts running in one outer transaction then rolled back, so
    other sessions' writes do not count)."""
    import uuid

    from django.conf import settings
    from django.db import connection, connections, transaction
    from django.test.utils import CaptureQueriesContext, override_settings

    from tertulia.widget.services import bot_for_key, widget_action_apply, widget_open

    try:
        from tertulia.realtime.publish import collected
    except ImportError:  # before the events were collected: they are sent, to nobody
        collected = contextlib.nullcontext

    limits = {**settings.RATE_LIMITS, "messages_per_visitor": (LIFTED, 60)}
    limits["messages_per_ip"] = limits["new_visitors_per_ip"] = (LIFTED, 60)
    outer = transaction.atomic() if connection.vendor == "postgresql" else contextlib.nullcontext()
    with override_settings(RATE_LIMITS=limits), collected():  # events: collected, not sent
        bot = bot_for_key(bot.public_key)
        opened = widget_open(
            bot=bot, token="", page={"url": "https://shop.example/w"}, ip="127.0.0.1", user_agent=""
        )
        visitor = getattr(opened, "visitor", None) or opened[0]  # a tuple before known visitors
        with outer:
            before = _rows_changed(connection)
            with CaptureQueriesContext(connection) as queries:
                for number in range(count):
                    action = {"type": "text", "client_id": uuid.uuid4().hex, "text": f"Hi {number}"}
                    widget_action_apply(bot=bot, visitor=visitor, action=action, ip="127.0.0.1")
            rows = _rows_changed(connection) - before
            if connection.vendor == "postgresql":
                transaction.set_rollback(True)
    # Django logs a prepared statement (PostgreSQL) as "QUERY = '<sql>' - PARAMS = ...".
    sql = [
        query["sql"].lstrip().removeprefix("QUERY = '").upper()
        for query in queries.captured_queries
    ]
    verbs = [statement.split(" ", 1)[0] for statement in sql]
    # A data-modifying WITH (PostgreSQL: the visitor's UPDATE inside the messages' INSERT)
    # counts as one statement, and as each write it holds.
    held = [statement for verb, statement in zip(verbs, sql, strict=True) if verb == "WITH"]
    connections.close_all()
    return Writes(
        messages=count,
        statements=sum(verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH") for verb in verbs),
        inserts=verbs.count("INSERT") + sum(") INSERT INTO" in s for s in held),
        updates=verbs.count("UPDATE") + sum("AS (UPDATE " in s for s in held),
        rows=rows,
    )


def _rows_changed(connection) -> int:
    if connection.vendor == "sqlite":
        return connection.connection.total_changes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
        )
        return int(cursor.fetchone()[0])
