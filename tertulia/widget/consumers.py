"""The widget's socket: one visitor, known by the token its browser keeps.

Bad input: a text frame that is not a JSON object (or longer than the HTTP fallback's body)
gets an error frame `bad_request` (`too_large`) and the socket stays open; a binary frame closes
it with 1003 (the chat only speaks text); a visitor deleted meanwhile is closed with 4401, one
merged into another gets a `reload` frame (its token now opens the other one).
When the channel layer fails, the socket rides it out and then closes with 1012, and the chat
reconnects for what it missed (`core.channel_layer`).
A chat that connects with `v=2` (`events.BATCHED_SINCE`) gets what happened together as one
`batch` frame; others get the frames one by one.
"""

import asyncio
import contextlib
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext as _

from tertulia.conversations.flow_runner import widget_state
from tertulia.core import limits
from tertulia.core.channel_layer import RidesOutLayerErrors
from tertulia.core.dblanes import run_in_lane
from tertulia.core.net import scope_ip
from tertulia.core.sockets import UNSUPPORTED_DATA, OwnConnections, spoken_version
from tertulia.core.untrusted import BadJSON, parse_json
from tertulia.realtime.events import BATCHED_SINCE, Frame
from tertulia.realtime.publish import collected, send_collected, visitor_group
from tertulia.visitors.models import Visitor
from tertulia.widget.services import (
    WidgetError,
    bot_for_key,
    chat_language,
    visitor_for_token,
    visitor_seen,
    widget_action_apply,
    widget_history,
    widget_page,
    widget_typing,
)

ACTIONS = ("text", "choose", "submit")
UNKNOWN_VISITOR = 4401  # the chat forgets its token and starts again
# How often an open chat renews the visitor's `last_seen_at`.
SEEN_BEAT_SECONDS = 60


class VisitorGone(Exception):
    """The visitor was deleted while their socket was open."""


def _connect(key: str, token: str, after: int):
    bot = bot_for_key(key)
    visitor = visitor_for_token(bot=bot, token=token) if bot else None
    if visitor is None:
        return None, None, None
    hello = {
        "type": "hello",
        "state": widget_state(visitor),
        "messages": widget_history(visitor=visitor, after=after),
    }
    return bot, visitor, hello


class WidgetConsumer(OwnConnections, RidesOutLayerErrors, AsyncJsonWebsocketConsumer):
    bot = None
    visitor = None
    group: str | None = None
    token = ""
    heartbeat: asyncio.Task | None = None
    batches = False  # the chat reads `batch` frames (it connected with v=2)

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode(errors="replace"))
        token = query.get("token", [""])[0]
        try:
            after = max(int(query.get("after", ["0"])[0]), 0)
        except ValueError:
            after = 0
        self.batches = spoken_version(self.scope) >= BATCHED_SINCE
        key = self.scope["url_route"]["kwargs"]["key"]
        self.bot, self.visitor, hello = await self._in_lane(
            hash(token), _connect, key, token, after
        )
        if self.visitor is None:
            await self.close(code=UNKNOWN_VISITOR)
            return
        self.token = token
        self.language = chat_language(self.bot, query.get("lang", [""])[0])
        self.group = visitor_group(self.visitor.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(hello)
        self.heartbeat = asyncio.create_task(self._beat(self.visitor.pk))

    async def _beat(self, visitor_id: int) -> None:
        """While the chat is open the visitor counts as here (`Visitor.last_seen_at`), so a
        member's reply is not also e-mailed to them (`conversations.follow_up`)."""
        while True:
            await self._in_lane(visitor_id, visitor_seen, visitor_id=visitor_id)
            await asyncio.sleep(SEEN_BEAT_SECONDS)

    async def disconnect(self, code):
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """One frame: JSON text, or a clear answer (see the module's docstring)."""
        if text_data is None:
            await self.close(code=UNSUPPORTED_DATA)
            return
        if len(text_data) > limits.REQUEST_BODY_MAX:
            await self._refuse(WidgetError("too_large", _("Request too large."), 413))
            return
        try:
            content = parse_json(text_data)
        except BadJSON:
            content = None
        if not isinstance(content, dict):
            await self._refuse(WidgetError("bad_request", _("Send a JSON object.")))
            return
        try:
            await self.receive_json(content)
        except VisitorGone:
            merged = await self._in_lane(
                self.visitor.pk, visitor_for_token, bot=self.bot, token=self.token
            )
            if merged is not None:
                await self.send_json({"type": Frame.RELOAD})
            await self.close(code=UNKNOWN_VISITOR if merged is None else 1000)

    async def _refuse(self, error: WidgetError) -> None:
        with translation.override(self.language):
            await self.send_json(_error_frame(error, None))

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "typing":
            try:
                await self._in_lane(self.visitor.pk, widget_typing, visitor=self.visitor)
            except WidgetError:
                return  # over the typing limit: dropped without a word, like a lost signal
        elif kind == "page":
            await self._in_lane(self.visitor.pk, self._page, content)
        elif kind in ACTIONS:
            reply = await self._in_lane(self.visitor.pk, self._act, content)
            await self.send_json(reply)

    async def _in_lane(self, key: int, func, *args, **kwargs):
        """Run `func` on the database lane of `key` (`core.dblanes`: one visitor's calls in
        order, on a thread that keeps its connection), then send what it published."""
        with collected() as outbox:
            try:
                return await run_in_lane(key, func, *args, **kwargs)
            finally:
                await send_collected(outbox)

    def _page(self, content: dict) -> None:
        try:
            widget_page(visitor=self.visitor, page=content)
        except IntegrityError:  # the page view's visitor is gone
            self._still_there()
            raise

    def _act(self, content: dict) -> dict:
        client_id = content.get("client_id")
        client_id = client_id if isinstance(client_id, str) else None
        with translation.override(self.language):
            try:
                message = widget_action_apply(
                    bot=self.bot, visitor=self.visitor, action=content, ip=scope_ip(self.scope)
                )
            except WidgetError as error:
                return _error_frame(error, client_id)
            except Visitor.DoesNotExist:
                raise VisitorGone from None
        return {"type": "ack", "client_id": client_id, "message": message.widget_json()}

    def _still_there(self) -> None:
        if not Visitor.objects.filter(pk=self.visitor.pk).exists():
            raise VisitorGone

    async def widget_event(self, event):
        await self.send_json(event["data"])

    async def dispatch_batch(self, messages: list[dict]) -> None:
        """What happened together, in one frame when the chat reads them (a text and the bot's
        answers: one frame instead of four, each a write to the network)."""
        if self.batches and all(message["type"] == "widget.event" for message in messages):
            await self.send_json({"type": Frame.BATCH, "frames": [m["data"] for m in messages]})
        else:
            await super().dispatch_batch(messages)


def _error_frame(error: WidgetError, client_id: str | None) -> dict:
    return {
        "type": "error",
        "client_id": client_id,
        "code": error.code,
        "message": error.message,
        "fields": error.fields,
        "retry_after": error.retry_after,
    }
