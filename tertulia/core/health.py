"""Health checks for load balancers and orchestrators, answered before Django's middleware (no
session, no login, no CSRF, any Host), each a small JSON body that is never cached:

- `/healthz`: the process is up and its event loop answers. Always 200 `{"status": "ok"}`.
- `/readyz`: the process can serve: the database answers `SELECT 1` and the channel layer
  answers (PING for Redis, a message through a fresh channel otherwise), each within
  CHECK_SECONDS. 200 `{"status": "ok", "checks": {...}}` when both answer, 503 with
  `"status": "unavailable"` and the failing check's value "failed" or "timeout" otherwise; the
  reason goes to the log, not to whoever asks.

GET and HEAD only (405 otherwise).
"""

import asyncio
import json
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from tertulia.core.channel_layer import layer_answers

logger = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
HEALTH_PATHS = ("/healthz", "/readyz")


def _database_answers() -> None:
    """SELECT 1 on a connection of this thread (from the pool on PostgreSQL), given back."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


async def _database() -> None:
    # Not thread-sensitive: the check must not queue behind the sockets' database calls.
    await sync_to_async(_database_answers, thread_sensitive=False)()


async def _channel_layer() -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer_answers(layer, CHECK_SECONDS)


CHECKS = {"database": _database, "channel_layer": _channel_layer}


async def _run(name: str, check) -> str:
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            await check()
    except TimeoutError:
        logger.warning("Readiness: %s did not answer within %s s", name, CHECK_SECONDS)
        return "timeout"
    except Exception as error:  # any failure of the thing checked is an answer: "failed"
        logger.warning("Readiness: %s failed (%s: %s)", name, type(error).__name__, error)
        return "failed"
    return "ok"


async def readiness() -> tuple[int, dict]:
    results = await asyncio.gather(*(_run(name, check) for name, check in CHECKS.items()))
    checks = dict(zip(CHECKS, results, strict=True))
    if all(result == "ok" for result in checks.values()):
        return 200, {"status": "ok", "checks": checks}
    return 503, {"status": "unavailable", "checks": checks}


async def _respond(send, method: str, status: int, body: dict, extra=()) -> None:
    content = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                (b"cache-control", b"no-store"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else content})


class HealthChecks:
    """ASGI middleware for HTTP: answers HEALTH_PATHS itself, hands anything else on."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in HEALTH_PATHS:
            return await self.application(scope, receive, send)
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            body = {"status": "error", "message": "Use GET or HEAD."}
            return await _respond(send, method, 405, body, [(b"allow", b"GET, HEAD")])
        if scope["path"] == "/healthz":
            return await _respond(send, method, 200, {"status": "ok"})
        status, body = await readiness()
        return await _respond(send, method, status, body)
