"""Publishing events to a workspace's dashboards, only once the transaction has committed."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def workspace_group(workspace_id: int) -> str:
    """The channel-layer group every dashboard socket of a workspace joins."""
    return f"workspace.{workspace_id}"


def publish_on_commit(*, workspace_id: int, event: str, data: dict) -> None:
    """Send `event` to the workspace's dashboards after the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                workspace_group(workspace_id),
                {"type": "dashboard.event", "event": event, "data": data},
            )

    transaction.on_commit(send)
