"""Two `tertulia serve --no-worker` processes sharing one PostgreSQL database and one Redis: a
visitor chatting through the first and an agent on the second see each other live, both ways,
typing included, and the Visitors list's counts follow; after a Redis hiccup (every connection
of the channel layer killed) both sockets stay open and the next messages still arrive.

Always PostgreSQL at 127.0.0.1:5432 (a fresh database, dropped afterwards: conftest.py) and Redis
at 127.0.0.1:6379 (keys under a prefix of this run's own, deleted afterwards), whichever database
the rest of the suite runs on.
"""
# ruff: noqa: S603 (this venv's own interpreter and command, fixed arguments)

import json
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import redis
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.core.test_serve import environment, free_port, wait_for
from tests.ops.test_layer import kill_connections
from tests.widget.client import action, receive_until
from tests.wire import fetch

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="runs server processes (Linux)"
)

REDIS = ("127.0.0.1", 6379)
TERTULIA = str(Path(sys.executable).parent / "tertulia")
EMAIL, PASSWORD = "agent@two.test", "two-processes-password"
SETUP = f"""
import django
django.setup()
from tertulia.accounts.services import workspace_create_with_owner
from tertulia.flows.services import bot_create

owner = workspace_create_with_owner(
    workspace_name="Two", email="{EMAIL}", password="{PASSWORD}", name="Ana Agent"
)
print(bot_create(workspace=owner.workspace, name="Bot").public_key)
"""


class Server:
    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [TERTULIA, "serve", "--no-worker", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"A server ended early:\n{self.output()}")
        try:
            return fetch(f"{self.url}/readyz").status == 200
        except OSError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture(scope="module")
def cluster(ops_postgres, tmp_path_factory):
    """(first server, second server, bot key, channel layer's Redis client name)."""
    from django.conf import settings

    prefix = f"test-two-{uuid.uuid4().hex[:12]}"
    try:
        redis.Redis(*REDIS, socket_timeout=5).ping()
    except redis.RedisError as error:
        pytest.fail(f"This test needs Redis at {REDIS}: {error}")
    var = tmp_path_factory.mktemp("two-var")
    (var / "static").symlink_to(settings.STATIC_ROOT)  # this run's collected static files
    env = environment(var)
    env.update(
        DATABASE_URL=ops_postgres.url,
        REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
        TERTULIA_REDIS_PREFIX=prefix,
        ALLOWED_HOSTS="127.0.0.1",
    )
    servers = []
    try:
        made = subprocess.run(
            [sys.executable, "-c", SETUP],
            env={**env, "DJANGO_SETTINGS_MODULE": "tertulia.config.settings"},
            check=True,
            timeout=60,
            capture_output=True,
            text=True,
        )
        key = made.stdout.split()[-1]
        servers = [Server(env, var / f"serve-{n}.log") for n in (1, 2)]
        for server in servers:
            wait_for(server.ready, 30, lambda s=server: f"{s.url}/readyz:\n{s.output()}")
        yield servers[0], servers[1], key, f"{prefix}:layer"
        for server in servers:
            assert "Traceback" not in server.output(), server.output()
    finally:
        for server in servers:
            server.stop()
        store = redis.Redis(*REDIS)
        keys = list(store.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            store.delete(*keys)
        store.close()


class Member:
    """A logged-in member of one server: a real login form, its cookies kept."""

    def __init__(self, server: Server):
        self.server = server
        login = fetch(f"{server.url}/login/")
        cookies = self._cookies(login)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', login.body).group(1)
        form = {"username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token.decode()}
        done = self._post("/login/", form, cookies)
        assert done.status == 302, done.body[:500]
        self.cookies = {**cookies, **self._cookies(done)}
        assert "sessionid" in self.cookies

    @staticmethod
    def _cookies(answer) -> dict:
        jar = SimpleCookie()
        for header in answer.headers.get_all("Set-Cookie") or ():
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}

    def _header(self, cookies: dict) -> str:
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    def _post(self, path: str, form: dict, cookies: dict):
        return fetch(
            f"{self.server.url}{path}",
            method="POST",
            body=urllib.parse.urlencode(form).encode(),
            headers={
                "Cookie": self._header(cookies),
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": cookies.get("csrftoken", ""),
                "Origin": self.server.url,
                "HX-Request": "true",
            },
        )

    def post(self, path: str, form: dict) -> int:
        return self._post(path, form, self.cookies).status

    def counts(self) -> list[int]:
        """The numbers on the Visitors page's tabs, as it shows them."""
        page = fetch(f"{self.server.url}/visitors/", headers={"Cookie": self._header(self.cookies)})
        assert page.status == 200
        found = re.findall(rb'class="tab__count">([^<]*)<', page.body)
        return [int(re.sub(rb"\D", b"", number) or b"0") for number in found]

    def dashboard(self):
        return connect(
            f"{self.server.ws_url}/ws/dashboard/",
            origin=self.server.url,
            additional_headers={"Cookie": self._header(self.cookies)},
            open_timeout=5,
        )


def widget_open(server: Server, key: str) -> dict:
    request = urllib.parse.urljoin(server.url, f"/widget/{key}/open")
    body = json.dumps({"token": "", "page": {"url": "https://shop.example/"}}).encode()
    answer = fetch(request, method="POST", body=body, headers={"Content-Type": "application/json"})
    assert answer.status == 200, answer.body[:500]
    return json.loads(answer.body)


def event(name: str, visitor: int, **data):
    def matches(frame: dict) -> bool:
        got = frame.get("data", {})
        return (
            frame.get("event") == name
            and got.get("visitor") == visitor
            and all(got.get(k) == v for k, v in data.items())
        )

    return matches


def agent_message(text: str):
    return lambda f: f.get("type") == "message" and f["message"].get("text") == text


def test_a_visitor_on_one_process_and_an_agent_on_the_other(cluster):
    first, second, key, layer_client = cluster
    agent = Member(second)
    before = agent.counts()
    with agent.dashboard() as dashboard:
        opened = widget_open(first, key)
        visitor, token = opened["visitor"]["id"], opened["token"]
        receive_until(dashboard, event("visitor.created", visitor), timeout=10)
        assert agent.counts()[0] == before[0] + 1  # "All" on the second process

        after = opened["messages"][-1]["id"]
        chat = f"{first.ws_url}/ws/widget/{key}/?token={token}&after={after}&lang=en"
        with connect(chat, origin=first.url, open_timeout=5) as widget:
            assert json.loads(widget.recv(timeout=5))["type"] == "hello"

            def visitor_writes(text: str) -> None:
                said = action("text", text=text)
                widget.send(json.dumps(said))
                receive_until(widget, lambda f: f.get("client_id") == said["client_id"])
                receive_until(dashboard, event("message.created", visitor, sender="visitor"))

            def agent_writes(text: str) -> None:
                assert agent.post(f"/visitors/{visitor}/reply", {"text": text}) == 200
                receive_until(widget, agent_message(text))

            widget.send(json.dumps({"type": "typing"}))
            receive_until(dashboard, event("typing", visitor))
            visitor_writes("Hello from the first process")
            assert agent.post(f"/visitors/{visitor}/typing", {}) == 204
            typing = receive_until(widget, lambda f: f.get("type") == "typing")[-1]
            assert typing["agent"] == "Ana Agent"
            agent_writes("Hello from the second process")

            # A Redis hiccup: every connection of both processes' channel layers is killed.
            assert kill_connections(layer_client) >= 2
            time.sleep(0.5)
            visitor_writes("Still there?")
            agent_writes("Still here.")
            widget.send(json.dumps({"type": "typing"}))
            receive_until(dashboard, event("typing", visitor))
        try:
            dashboard.recv(timeout=0.2)
        except TimeoutError:
            pass  # open and quiet, as it should be
        except ConnectionClosed as closed:
            raise AssertionError(f"The dashboard's socket closed: {closed}") from None
    for server in (first, second):
        assert "Timeout reading" not in server.output()
