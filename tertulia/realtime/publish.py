"""Publishing events, only once the transaction has committed: to a workspace's dashboards, and
to the widget of one visitor (every tab it is open in).

Code that runs on behalf of a socket collects what it publishes (`collected`) and the socket
sends it from its event loop once the call returns, instead of each event crossing from the
database thread to the event loop and back."""

import contextlib
from collections.abc import Callable
from contextvars import ContextVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def workspace_group(workspace_id: int) -> str:
    """The channel-layer group every dashboard socket of a workspace joins."""
    return f"workspace.{workspace_id}"


def visitor_group(visitor_id: int) -> str:
    """The channel-layer group every widget socket of one visitor joins."""
    return f"visitor.{visitor_id}"


def user_group(user_id: int) -> str:
    """The channel-layer group every dashboard socket of one user joins (any workspace)."""
    return f"user.{user_id}"


# Where `send_now` puts (group, message) pairs while a socket collects them.
_outbox: ContextVar[list | None] = ContextVar("tertulia_outbox", default=None)


@contextlib.contextmanager
def collected():
    """Within this block `send_now` only collects: yields the list of (group, message) pairs,
    for the caller to send, in order, with `send_collected`."""
    outbox = []
    token = _outbox.set(outbox)
    try:
        yield outbox
    finally:
        _outbox.reset(token)


async def send_collected(outbox: list) -> None:
    """Send what `collected` gathered: what goes to one group as one layer message, a "batch"
    when there are several (a visitor's text and the bot's answers), in the order they came;
    each socket's consumer takes a batch apart (`core.sockets.OwnConnections`)."""
    layer = get_channel_layer()
    if layer is None:
        return
    by_group: dict[str, list[dict]] = {}
    for group, message in outbox:
        by_group.setdefault(group, []).append(message)
    for group, messages in by_group.items():
        batch = {"type": "batch", "messages": messages}
        await layer.group_send(group, messages[0] if len(messages) == 1 else batch)


def send_now(group: str, message: dict) -> None:
    """Send to a group at once (for what is not stored, such as typing indicators)."""
    outbox = _outbox.get()
    if outbox is not None:
        outbox.append((group, message))
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


# Called with each event as it happens, inside its transaction (`on_publish`): webhooks.
_listeners: list[Callable[[int, str, dict], None]] = []


def on_publish(listener: Callable[[int, str, dict], None]) -> None:
    """Call `listener(workspace_id, event, data)` for every event, in the transaction that made
    it; registered by a higher app from its `ready` (the notifications queue webhooks)."""
    _listeners.append(listener)


def published(*, workspace_id: int, event: str, data: dict) -> None:
    """Tell the listeners of an event that the dashboards hear some other way (messages)."""
    for listener in _listeners:
        listener(workspace_id, event, data)


def publish_on_commit(*, workspace_id: int, event: str, data: dict) -> None:
    """Tell the listeners now, and send `event` to the workspace's dashboards after the current
    transaction commits."""
    published(workspace_id=workspace_id, event=event, data=data)
    message = {"type": "dashboard.event", "event": event, "data": data}
    transaction.on_commit(lambda: send_now(workspace_group(workspace_id), message))


def publish_to_visitor_on_commit(*, visitor_id: int, data: dict) -> None:
    """Send `data` to the visitor's widgets after the current transaction commits."""
    message = {"type": "widget.event", "data": data}
    transaction.on_commit(lambda: send_now(visitor_group(visitor_id), message))


def end_dashboards_on_commit(*, user_id: int, workspace_id: int) -> None:
    """After the transaction commits, close (code 4401) the user's dashboard sockets open on
    `workspace_id`: their pages reload, and land on the login page once the member is removed,
    or show the menus of their new role. Registered with `accounts.hooks.on_access_changed`."""
    message = {"type": "dashboard.access_changed", "workspace": workspace_id}
    transaction.on_commit(lambda: send_now(user_group(user_id), message))
