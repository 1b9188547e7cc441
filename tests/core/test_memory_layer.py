"""The in-process channel layer: what a group hears, and what it does not."""

import asyncio

import pytest

from tertulia.core.memory_layer import InMemoryChannelLayer


def test_every_member_of_a_group_hears_a_message_as_it_was_sent():
    async def scenario():
        layer = InMemoryChannelLayer(capacity=2)
        channels = [await layer.new_channel() for _ in range(3)]
        for channel in channels:
            await layer.group_add("workspace.1", channel)
        await layer.group_add("workspace.2", channels[0])
        sent = {"type": "dashboard.event", "data": {"visitor": 7, "tags": ["a"]}}
        await layer.group_send("workspace.1", sent)
        sent["data"]["tags"].append("changed by the sender afterwards")
        heard = [await asyncio.wait_for(layer.receive(c), 1) for c in channels]
        assert heard == [{"type": "dashboard.event", "data": {"visitor": 7, "tags": ["a"]}}] * 3

        # A full queue misses what comes next (as Channels'); the others still hear it.
        for number in range(3):
            await layer.group_send("workspace.2", {"type": "x", "number": number})
        await layer.group_send("workspace.1", {"type": "y"})
        first = [await asyncio.wait_for(layer.receive(channels[0]), 1) for _ in range(2)]
        assert first == [{"type": "x", "number": 0}, {"type": "x", "number": 1}]
        for channel in channels[1:]:
            assert await asyncio.wait_for(layer.receive(channel), 1) == {"type": "y"}
        with pytest.raises(TimeoutError):  # "y" did not fit
            await asyncio.wait_for(layer.receive(channels[0]), 0.2)

    asyncio.run(scenario())
