"""`tertulia serve --workers 2` on PostgreSQL with the connection pool: each server process
keeps its connections from one request to the next instead of opening one per request, replaces
connections PostgreSQL ended without failing a request, and SIGTERM stops everything with exit
code 0, leaving no connection open to the database."""
# ruff: noqa: S603 (this venv's own command, fixed arguments)

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_serve import environment, free_port, wait_for
from tests.wire import fetch

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="runs server processes (Linux)"
)

TERTULIA = str(Path(sys.executable).parent / "tertulia")
POOL_MAX = 3


def test_two_server_processes_keep_their_connections_and_stop_cleanly(ops_postgres, tmp_path):
    port = free_port()
    env = {
        **environment(tmp_path),
        "DATABASE_URL": ops_postgres.url,
        "TERTULIA_DB_POOL_MIN": "1",
        "TERTULIA_DB_POOL_MAX": str(POOL_MAX),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [TERTULIA, "serve", "--no-worker", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def ready() -> bool:
            assert server.poll() is None, log.read_text()
            try:
                return fetch(f"http://127.0.0.1:{port}/readyz").status == 200
            except OSError:
                return False

        wait_for(ready, 30, lambda: log.read_text())
        # Each request asks the database. Without a pool each would open (and close) a
        # connection of its own: 80 backends one after the other. With the pools, whichever
        # process answers, the same few connections serve them all.
        seen = set()
        for _ in range(80):
            assert fetch(f"http://127.0.0.1:{port}/readyz").status == 200
            seen.update(ops_postgres.backends())
        assert 1 <= len(seen) <= 2 * POOL_MAX, seen
        assert set(ops_postgres.backends()) == seen  # still open

        # PostgreSQL ends every connection (as a restart or a failover would): the pools
        # replace them as they hand them out, and no request fails.
        ops_postgres.terminate_backends()
        for _ in range(10):
            assert fetch(f"http://127.0.0.1:{port}/readyz").status == 200

        server.send_signal(signal.SIGTERM)
        assert server.wait(15) == 0
        wait_for(lambda: not ops_postgres.backends(), 5, "the pools' connections to close")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(5)
    assert "Traceback" not in log.read_text()
