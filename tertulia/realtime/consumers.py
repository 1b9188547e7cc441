"""The dashboard socket: a logged-in member hears the events of their own workspace, and while it
is open the member counts as online (`realtime.presence`). When the channel layer fails, the
socket rides it out and then closes with 1012, and the page reconnects (`core.channel_layer`).
A page that connects with `v=2` (`events.BATCHED_SINCE`) hears the events that happened
together as one frame, {"events": [...]}; others hear them one by one."""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tertulia.accounts.selectors import member_for_session
from tertulia.core.channel_layer import RidesOutLayerErrors
from tertulia.core.sockets import OwnConnections, spoken_version
from tertulia.realtime.events import BATCHED_SINCE
from tertulia.realtime.presence import BEAT_SECONDS, presence_beat
from tertulia.realtime.publish import user_group, workspace_group


class DashboardConsumer(OwnConnections, RidesOutLayerErrors, AsyncJsonWebsocketConsumer):
    group: str | None = None
    user_group: str | None = None
    workspace_id: int | None = None
    heartbeat: asyncio.Task | None = None
    batches = False  # the page reads several events in one frame (it connected with v=2)

    async def connect(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        member = (
            await database_sync_to_async(member_for_session)(user=user, session=session)
            if user
            else None
        )
        if member is None:
            await self.close(code=4401)
            return
        self.workspace_id = member.workspace_id
        self.batches = spoken_version(self.scope) >= BATCHED_SINCE
        self.group = workspace_group(member.workspace_id)
        self.user_group = user_group(member.user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()
        self.heartbeat = asyncio.create_task(self._beat(member.pk))

    async def _beat(self, member_id: int) -> None:
        """Renew the member's presence while this socket is open."""
        while True:
            await database_sync_to_async(presence_beat)(member_id=member_id)
            await asyncio.sleep(BEAT_SECONDS)

    async def disconnect(self, code):
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat
        for group in (self.group, self.user_group):
            if group:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """The dashboard only listens: any frame it sends, text or binary, JSON or not, is
        ignored (never parsed, so never an error)."""

    async def dashboard_event(self, message):
        await self.send_json({"event": message["event"], "data": message["data"]})

    async def dispatch_batch(self, messages: list[dict]) -> None:
        """Events that happened together (a visitor's text and the bot's answers), in one frame
        when the page reads them so: one write to the network instead of one each."""
        if self.batches and all(message["type"] == "dashboard.event" for message in messages):
            events = [{"event": m["event"], "data": m["data"]} for m in messages]
            await self.send_json({"events": events})
        else:
            await super().dispatch_batch(messages)

    async def dashboard_access_changed(self, message):
        """The member was removed from this workspace, or their role changed: close with 4401,
        and the page reloads (to the login page, or with the menus of the new role)."""
        if message["workspace"] == self.workspace_id:
            await self.close(code=4401)
