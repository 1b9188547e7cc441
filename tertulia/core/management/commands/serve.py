"""`tertulia serve`: uvicorn, with a task worker beside it that never outlives it.

Stopping (SIGTERM, or SIGINT: Ctrl+C): uvicorn stops taking connections, sends open WebSockets a
close frame (1012, "service restart", so the chat and the dashboard reconnect) and gives open
requests GRACE_SECONDS to finish; then the worker gets SIGTERM and as long to finish its task
(a second signal kills it at once). The command then exits with 0.

uvicorn handles SIGTERM and SIGINT itself while it serves and raises the signal again once it has
stopped, which would kill this process before any clean-up (SIGTERM's default action): this
command's own handler turns that signal, or one that arrives while uvicorn starts, into a clean
stop. With --workers N, uvicorn's supervisor stops its server processes and returns. Whatever
happens to this process, the worker also ends with it (`core.lifeline`).
"""

import os
import signal
import subprocess
import sys

import uvicorn
from django.core.management.base import BaseCommand

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 10


class Stop(Exception):
    """A stop signal arrived while uvicorn was not listening for it."""


def _stop(signum, frame):
    raise Stop


def start_worker(*, site: str) -> subprocess.Popen:
    """`tertulia worker`, tied to this process, in a session of its own: Ctrl+C in a terminal
    reaches only the server, which then stops the worker with exactly one SIGTERM (a second
    signal would cut short the task it is running). The worker has no request to learn the
    server's address from, so links in the e-mails it sends use `site` unless TERTULIA_URL is
    set (`PORT=8200 make run` links to port 8200)."""
    env = {**os.environ}
    env.setdefault("TERTULIA_URL", site)
    return subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [
            sys.executable,
            "-m",
            "tertulia.core.lifeline",
            str(os.getpid()),
            "worker",
            "--no-reload",
            "--verbosity",
            "0",
        ],
        start_new_session=True,
        env=env,
    )


def stop_worker(worker: subprocess.Popen | None) -> None:
    """SIGTERM, up to GRACE_SECONDS to finish its task, then SIGKILL (at once on a new signal)."""
    if worker is None or worker.poll() is not None:
        return
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, frame: worker.kill())
    worker.terminate()
    try:
        worker.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket with uvicorn, with a background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Server processes.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a task worker (when `tertulia worker` runs elsewhere).",
        )

    def handle(self, *args, host, port, workers, no_worker, **options):
        previous = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
        worker = None
        try:
            if not no_worker:
                shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
                worker = start_worker(site=f"http://{shown}:{port}")
            self.stdout.write(f"Tertulia is serving on http://{host}:{port}/ (Ctrl+C to stop)")
            uvicorn.run(
                "tertulia.config.asgi:application",
                host=host,
                port=port,
                workers=workers,
                lifespan="off",
                proxy_headers=False,
                log_level="info",
                timeout_graceful_shutdown=GRACE_SECONDS,
            )
        except Stop:
            pass
        finally:
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            stop_worker(worker)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
