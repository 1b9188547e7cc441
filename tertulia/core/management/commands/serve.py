"""`tertulia serve`: uvicorn, with a task worker beside it that never outlives it.

Stopping (SIGTERM, or SIGINT: Ctrl+C): uvicorn stops taking connections, sends open WebSockets a
close frame (1012, "service restart", so the chat and the dashboard reconnect) and gives open
requests GRACE_SECONDS to finish; then the worker gets SIGTERM and as long to finish its task
(a second signal kills it at once). The command then exits with 0.

uvicorn handles SIGTERM and SIGINT itself while it serves and raises the signal again once it has
stopped, which would kill this process before any clean-up (SIGTERM's default action): this
command's own handler turns that signal, or one that arrives while uvicorn starts, into a clean
stop. Whatever happens to this process, the worker also ends with it (`core.lifeline`).

With --workers N, this process serves nothing itself: it starts N server processes (tied to it
the same way) and starts another when one ends. Each listens on the port with a socket of its own
(SO_REUSEPORT), so the kernel spreads new connections among them. With one shared socket, as
uvicorn's own --workers has, the process that woke first accepted every connection waiting, and
with keep-alive one process often served every client while the others stayed idle. On a stop
signal each gets one SIGTERM and stops as above.
"""

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import uvicorn
from django.core.management.base import BaseCommand, CommandError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 10
STARTUP_FAILURE = 3  # uvicorn's exit code when it cannot start (the port is taken, say)
STARTUP_SECONDS = 5  # a server process that ends sooner is taken not to start at all

logger = logging.getLogger(__name__)


class Stop(Exception):
    """A stop signal arrived while uvicorn was not listening for it."""


def _stop(signum, frame):
    raise Stop


def _tied(command: list[str], env: dict | None = None) -> subprocess.Popen:
    """`tertulia <command>`, tied to this process (`core.lifeline`), in a session of its own:
    Ctrl+C in a terminal reaches only this process, which then stops it with exactly one
    SIGTERM (a second signal would cut its graceful stop short)."""
    return subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "tertulia.core.lifeline", str(os.getpid()), *command],
        start_new_session=True,
        env=env,
    )


def start_worker(*, site: str) -> subprocess.Popen:
    """`tertulia worker`, tied to this process. The worker has no request to learn the
    server's address from, so links in the e-mails it sends use `site` unless TERTULIA_URL is
    set (`PORT=8200 make run` links to port 8200)."""
    env = {**os.environ}
    env.setdefault("TERTULIA_URL", site)
    return _tied(["worker", "--no-reload", "--verbosity", "0"], env)


def stop(processes: list[subprocess.Popen | None]) -> None:
    """SIGTERM to each, up to GRACE_SECONDS (and a moment) to finish what they are doing, then
    SIGKILL (at once on a new signal)."""
    running = [p for p in processes if p is not None and p.poll() is None]
    if not running:
        return
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, frame: [p.kill() for p in running])
    for process in running:
        process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS + 2
    for process in running:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def listening_socket(host: str, port: int) -> socket.socket:
    """One server process's own socket on the port, beside the others' (SO_REUSEPORT)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)  # uvicorn's default backlog
    return sock


def check_port(host: str, port: int) -> None:
    """A clear error when the port cannot be had, taken by another program say (its processes'
    SO_REUSEPORT sockets alone would share it with another `tertulia serve --workers`)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error.strerror}.") from None


def supervise(host: str, port: int, count: int) -> None:
    """`count` server processes on the port, each started again should it end, until a stop
    signal (`Stop`). One that could not start, or ended within STARTUP_SECONDS (it would fail
    the same way again), stops them all."""
    check_port(host, port)
    command = ["serve", "--no-worker", "--own-socket", "--host", host, "--port", str(port)]
    servers = [(_tied(command), time.monotonic()) for _ in range(count)]
    try:
        while True:
            time.sleep(0.5)
            for number, (server, started) in enumerate(servers):
                if server.poll() is None:
                    continue
                if (
                    server.returncode == STARTUP_FAILURE
                    or time.monotonic() - started < STARTUP_SECONDS
                ):
                    raise CommandError("A server process could not start (see above).")
                logger.warning(
                    "Server process %s ended with %s; starting another.",
                    server.pid,
                    server.returncode,
                )
                servers[number] = (_tied(command), time.monotonic())
    finally:
        stop([server for server, _ in servers])


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket with uvicorn, with a background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Server processes, each with its own socket on the port.",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a task worker (when `tertulia worker` runs elsewhere).",
        )
        # One of the processes of --workers N: it listens beside the others (SO_REUSEPORT).
        parser.add_argument("--own-socket", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, host, port, workers, no_worker, own_socket, **options):
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        previous = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
        worker = None
        try:
            if not no_worker:
                shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
                worker = start_worker(site=f"http://{shown}:{port}")
            if not own_socket:
                self.stdout.write(f"Tertulia is serving on http://{host}:{port}/ (Ctrl+C to stop)")
            if workers > 1:
                supervise(host, port, workers)
            else:
                serve(host, port, own_socket=own_socket)
        except Stop:
            pass
        finally:
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            stop([worker])
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(host: str, port: int, *, own_socket: bool) -> None:
    config = uvicorn.Config(
        "tertulia.config.asgi:application",
        host=host,
        port=port,
        lifespan="off",
        proxy_headers=False,
        log_level="info",
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    server = uvicorn.Server(config)
    if not own_socket:
        server.run()
    else:
        try:
            sockets = [listening_socket(host, port)]
        except OSError as error:
            logger.error("Cannot listen on %s:%s: %s", host, port, error)
            sys.exit(STARTUP_FAILURE)
        server.run(sockets=sockets)
    if not server.started:
        sys.exit(STARTUP_FAILURE)
