"""What every WebSocket gets, whoever connects: an Origin check that reads any header without
failing, a close code for addresses no socket serves, a close frame instead of a dropped
connection when a socket's own code fails, and one quiet log line for frames that are not text.

Refusals are close frames, not HTTP answers to the handshake with a body (the ASGI
"websocket.http.response" extension): uvicorn logs an error after each of those, and browsers
never show a refused handshake's status to the page anyway, while they do show a close code.
"""

import logging
from contextlib import suppress
from urllib.parse import parse_qs, urlparse

from channels.consumer import get_handler_name
from channels.security.websocket import OriginValidator
from django.conf import settings

logger = logging.getLogger(__name__)

# Close codes: RFC 6455's for data of a type the socket does not take, for a server error and
# for a restart (after which the chat and the dashboard reconnect and catch up), and ours
# (4000-4999) for an address no socket serves.
UNSUPPORTED_DATA = 1003
INTERNAL_ERROR = 1011
SERVICE_RESTART = 1012
NOT_FOUND = 4404


async def no_such_socket(scope, receive, send):
    """The last WebSocket route: any other address is accepted and closed at once with 4404
    (Channels' router would raise, and the server drop the connection)."""
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": NOT_FOUND})


def spoken_version(scope) -> int:
    """The protocol version a socket's client says it speaks: `v` in its address (1 when it
    says none, or nothing that is a version)."""
    query = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
    said = query.get("v", [""])[0]
    return int(said) if said.isascii() and said.isdigit() and len(said) <= 3 else 1


class OwnConnections:
    """A consumer's dispatch as Channels' own, without `close_old_connections` on Channels'
    database thread before every frame and every event: a thread hop each, which made a busy
    workspace's dashboards fall behind until their queues were full and events were dropped.
    These consumers' database work runs through `core.dblanes` or `database_sync_to_async`,
    which look after their own connections. A "batch" (`realtime.publish.send_collected`) goes
    to `dispatch_batch`: message by message, unless a consumer knows better."""

    async def dispatch(self, message):
        if message["type"] == "batch":
            await self.dispatch_batch(message["messages"])
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            await self.unknown_message(message)
            return
        await handler(message)

    async def unknown_message(self, message) -> None:
        """A layer message of a type this process does not know: sent by a newer one while an
        upgrade restarts the processes one by one. The socket closes with 1012 and its client
        reconnects, most likely to a newer process, and catches up with what it missed."""
        logger.warning(
            "WebSocket %s: no handler for a message of type %r (sent by a newer version?); "
            "the client reconnects",
            self.scope.get("path", ""),
            str(message.get("type"))[:100],
        )
        await self.close(code=SERVICE_RESTART)

    async def dispatch_batch(self, messages: list[dict]) -> None:
        for message in messages:
            await self.dispatch(message)


class OriginCheck(OriginValidator):
    """Channels' Origin check, except that an Origin it cannot parse ("http://[::1") is refused
    like any foreign one instead of raising. A refused handshake is closed before it is
    accepted (uvicorn answers 403)."""

    async def __call__(self, scope, receive, send):
        if self._allowed(scope):
            return await self.application(scope, receive, send)
        await receive()  # websocket.connect
        await send({"type": "websocket.close"})
        return None

    def _allowed(self, scope) -> bool:
        origins = [value for name, value in scope.get("headers", []) if name == b"origin"]
        try:
            return self.valid_origin(urlparse(origins[-1].decode("latin-1")) if origins else None)
        except ValueError:
            return False


def allowed_hosts_origin_check(application):
    """OriginCheck for the hosts in settings.ALLOWED_HOSTS (as Channels' own factory)."""
    hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return OriginCheck(application, hosts)


class CloseOnError:
    """A socket whose code raises after accepting is logged once, with its traceback (a bug of
    ours), and the client gets a close frame (1011), not a dropped connection. Before accepting,
    the exception goes on to the server, which logs it and answers the handshake with 500."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        state = {"accepted": False, "closed": False}

        async def tracked_send(message):
            if message["type"] == "websocket.accept":
                state["accepted"] = True
            elif message["type"] == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            return await self.application(scope, receive, tracked_send)
        except Exception:
            if not state["accepted"]:
                raise
            logger.exception("WebSocket %s failed", scope.get("path", ""))
            if not state["closed"]:
                with suppress(OSError, RuntimeError):  # the client may be gone already
                    await send({"type": "websocket.close", "code": INTERNAL_ERROR})
            return None


class BrokenFramesInOneLine(logging.Filter):
    """uvicorn closes a socket whose text frame is not UTF-8 with 1007, as it should, and logs
    it as an error with the decoding's traceback: a stranger's doing, so one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Invalid UTF-8 sequence received from client"):
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
