"""The dashboard socket follows the workspace chosen in the session."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from tertulia.accounts.models import Role
from tertulia.accounts.selectors import WORKSPACE_SESSION_KEY
from tertulia.accounts.services import member_add
from tertulia.realtime.consumers import DashboardConsumer
from tertulia.realtime.publish import publish_on_commit
from tests.conftest import PASSWORD


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_hears_the_chosen_workspace(owner, other_owner):
    globex = other_owner.workspace
    await sync_to_async(member_add)(
        workspace=globex, email=owner.user.email, password=PASSWORD, role=Role.AGENT
    )
    socket = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    socket.scope["user"] = owner.user
    socket.scope["session"] = {WORKSPACE_SESSION_KEY: globex.pk}
    assert (await socket.connect())[0]
    for workspace_id, visitor in ((owner.workspace_id, 1), (globex.pk, 2)):
        await sync_to_async(publish_on_commit)(
            workspace_id=workspace_id, event="visitor.status_changed", data={"visitor": visitor}
        )
    assert await socket.receive_json_from() == {
        "event": "visitor.status_changed",
        "data": {"visitor": 2},
    }
    assert await socket.receive_nothing()
    await socket.disconnect()
