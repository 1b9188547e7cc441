"""Presence: a member is online while a dashboard socket is open and they are not Away."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone

from tertulia.accounts.models import Member
from tertulia.realtime.consumers import DashboardConsumer
from tertulia.realtime.presence import members_online, presence_beat, presence_set_away


@pytest.fixture
def anyio_backend():
    return "asyncio"


def online_ids(workspace_id):
    return set(members_online(workspace_id=workspace_id).values_list("pk", flat=True))


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_an_open_dashboard_makes_its_member_online(owner, agent):
    assert await sync_to_async(online_ids)(owner.workspace_id) == set()
    socket = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    socket.scope["user"] = owner.user
    assert (await socket.connect())[0]
    await socket.receive_nothing(0.2)  # the first beat is written
    assert await sync_to_async(online_ids)(owner.workspace_id) == {owner.pk}
    await socket.disconnect()


def test_online_lapses_without_beats_and_away_wins(owner, agent):
    presence_beat(member_id=agent.pk)
    assert online_ids(owner.workspace_id) == {agent.pk}
    assert Member.objects.get(pk=agent.pk).is_online
    presence_set_away(member=agent, away=True)
    assert online_ids(owner.workspace_id) == set()
    presence_set_away(member=agent, away=False)
    Member.objects.filter(pk=agent.pk).update(online_until=timezone.now() - dt.timedelta(seconds=1))
    assert online_ids(owner.workspace_id) == set()


def test_the_top_bar_switch_sets_away_and_back(agent_client, agent):
    url = reverse("realtime:presence")
    response = agent_client.post(url, {"away": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Away" in response.content.decode()
    assert Member.objects.get(pk=agent.pk).away
    response = agent_client.post(url, {"away": "0", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Member.objects.get(pk=agent.pk).away
    assert agent_client.get(url).status_code == 405
