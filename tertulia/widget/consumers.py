"""The widget's socket: one visitor, known by the token its browser keeps."""

import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation

from tertulia.conversations.flow_runner import widget_state
from tertulia.core.net import scope_ip
from tertulia.realtime.publish import visitor_group
from tertulia.widget.services import (
    WidgetError,
    bot_for_key,
    chat_language,
    visitor_for_token,
    widget_act,
    widget_history,
    widget_page,
    widget_typing,
)

ACTIONS = ("text", "choose", "submit")


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


class WidgetConsumer(AsyncJsonWebsocketConsumer):
    bot = None
    visitor = None
    group: str | None = None

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode(errors="replace"))
        token = query.get("token", [""])[0]
        try:
            after = max(int(query.get("after", ["0"])[0]), 0)
        except ValueError:
            after = 0
        key = self.scope["url_route"]["kwargs"]["key"]
        self.bot, self.visitor, hello = await database_sync_to_async(_connect)(key, token, after)
        if self.visitor is None:
            await self.close(code=4401)
            return
        self.language = chat_language(self.bot, query.get("lang", [""])[0])
        self.group = visitor_group(self.visitor.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(hello)

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "code": "bad_request", "message": "JSON"})
            return
        kind = content.get("type")
        if kind == "typing":
            await database_sync_to_async(widget_typing)(visitor=self.visitor)
        elif kind == "page":
            await database_sync_to_async(widget_page)(visitor=self.visitor, page=content)
        elif kind in ACTIONS:
            reply = await database_sync_to_async(self._act)(content)
            await self.send_json(reply)

    def _act(self, content: dict) -> dict:
        client_id = content.get("client_id")
        with translation.override(self.language):
            try:
                message = widget_act(
                    bot=self.bot, visitor=self.visitor, action=content, ip=scope_ip(self.scope)
                )
            except WidgetError as error:
                return {
                    "type": "error",
                    "client_id": client_id,
                    "code": error.code,
                    "message": error.message,
                    "fields": error.fields,
                    "retry_after": error.retry_after,
                }
        return {"type": "ack", "client_id": client_id, "message": message.widget_json()}

    async def widget_event(self, event):
        await self.send_json(event["data"])
