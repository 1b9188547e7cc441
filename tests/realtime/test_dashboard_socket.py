import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from tertulia.config.asgi import application
from tertulia.realtime.consumers import DashboardConsumer
from tertulia.realtime.publish import publish_on_commit


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_socket_is_closed():
    communicator = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    assert not connected and code == 4401


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_member_hears_only_their_workspace(owner, other_owner):
    from asgiref.sync import sync_to_async

    mine = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    mine.scope["user"] = owner.user
    theirs = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    theirs.scope["user"] = other_owner.user
    assert (await mine.connect())[0] and (await theirs.connect())[0]

    await sync_to_async(publish_on_commit)(
        workspace_id=owner.workspace_id, event="visitor.status_changed", data={"visitor": 1}
    )

    assert await mine.receive_json_from() == {
        "event": "visitor.status_changed",
        "data": {"visitor": 1},
    }
    assert await theirs.receive_nothing()
    await mine.disconnect()
    await theirs.disconnect()


@pytest.mark.anyio
async def test_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/dashboard/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_removed_member_socket_closes_with_4401(owner, agent, other_owner):
    """An owner removes an agent: the agent's open dashboard closes at once with 4401 (the page
    then reloads to the login page); the owner's, and another workspace's, stay open."""
    from asgiref.sync import sync_to_async

    from tertulia.team.services import team_member_remove

    sockets = {}
    for name, member in (("agent", agent), ("owner", owner), ("other", other_owner)):
        sockets[name] = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
        sockets[name].scope["user"] = member.user
        assert (await sockets[name].connect())[0]

    await sync_to_async(team_member_remove)(member=agent, actor=owner)

    assert await sockets["agent"].receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": 4401,
    }
    assert await sockets["owner"].receive_nothing()
    assert await sockets["other"].receive_nothing()
    await sockets["owner"].disconnect()
    await sockets["other"].disconnect()


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_role_change_closes_the_members_socket_so_the_page_reloads(owner, agent):
    from asgiref.sync import sync_to_async

    from tertulia.accounts.models import Role
    from tertulia.team.services import team_member_set_role

    communicator = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    communicator.scope["user"] = agent.user
    assert (await communicator.connect())[0]

    await sync_to_async(team_member_set_role)(member=agent, role=Role.ADMIN, actor=owner)

    output = await communicator.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": 4401}


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_a_message_of_a_type_this_version_does_not_know_makes_the_page_reconnect(
    owner, caplog
):
    """What a newer process sends while an upgrade restarts the processes one by one: the socket
    closes with 1012 (the page reconnects and catches up) and a warning is logged, not a
    traceback; what came before it was heard."""
    from channels.layers import get_channel_layer

    from tertulia.realtime.publish import workspace_group

    socket = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    socket.scope["user"] = owner.user
    assert (await socket.connect())[0]
    group = workspace_group(owner.workspace_id)
    layer = get_channel_layer()
    await layer.group_send(group, {"type": "dashboard.event", "event": "x.y", "data": {}})
    await layer.group_send(group, {"type": "dashboard.something_new", "data": {}})
    assert await socket.receive_json_from() == {"event": "x.y", "data": {}}
    assert await socket.receive_output() == {"type": "websocket.close", "code": 1012}
    assert "no handler for a message of type 'dashboard.something_new'" in caplog.text
    assert "Traceback" not in caplog.text
    await socket.disconnect()
