"""Whose conversation it is: assigning by hand, by replying, by taking a live chat over."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError

from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.accounts.services import member_remove
from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.flow_runner import live_chat_request
from tertulia.conversations.live_chat import live_chat_end, live_chat_reply, live_chat_take
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.conversations.services import message_post
from tertulia.realtime import events
from tertulia.realtime.publish import workspace_group
from tertulia.visitors.choices import LiveChat
from tertulia.widget.services import widget_history


@pytest.mark.django_db(transaction=True)
def test_assigning_writes_a_members_only_line_an_audit_entry_and_tells_the_dashboards(
    owner, agent, make_visitor
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(workspace_group(owner.workspace_id), channel)
    visitor = make_visitor(name="Vera")
    async_to_sync(layer.receive)(channel)  # visitor.created
    assert visitor_assign(visitor=visitor, assignee=agent, actor=owner.user) is True
    heard = async_to_sync(layer.receive)(channel)
    assert heard["event"] == events.VISITOR_ASSIGNED
    assert heard["data"] == {"visitor": visitor.pk, "assignee": agent.pk}
    visitor.refresh_from_db()
    assert visitor.assignee == agent
    line = Message.objects.get(visitor=visitor, kind=MessageKind.ASSIGNMENT)
    assert (line.sender, line.agent, line.payload) == (
        Sender.SYSTEM,
        owner.user,
        {"to": agent.pk, "name": "Ana Agent"},
    )
    assert not line.visible_to_visitor
    assert widget_history(visitor=visitor) == []
    entry = AuditEntry.objects.get(action=AuditAction.VISITOR_ASSIGNED)
    assert entry.detail == {"number": visitor.number, "member": "Ana Agent"}  # no personal data
    # The same again changes nothing; unassigning is a change.
    assert visitor_assign(visitor=visitor, assignee=agent, actor=owner.user) is False
    assert visitor_assign(visitor=visitor, assignee=None, actor=owner.user) is True
    assert Message.objects.filter(kind=MessageKind.ASSIGNMENT).count() == 2


def test_a_member_of_another_workspace_cannot_be_assigned(make_visitor, other_owner):
    visitor = make_visitor()
    with pytest.raises(ValidationError):
        visitor_assign(visitor=visitor, assignee=other_owner, actor=other_owner.user)
    visitor.refresh_from_db()
    assert visitor.assignee is None


def test_replying_assigns_only_an_unassigned_conversation(owner, agent, make_visitor):
    mine = make_visitor()
    live_chat_reply(visitor=mine, member=agent, text="Hi!")
    mine.refresh_from_db()
    assert mine.assignee == agent and mine.live_chat == LiveChat.ACTIVE
    live_chat_reply(visitor=mine, member=owner, text="Hello from the owner")
    mine.refresh_from_db()
    assert mine.assignee == agent  # still Ana's
    # Taking the live chat over is an explicit choice: it becomes the taker's.
    live_chat_take(visitor=mine, member=owner)
    mine.refresh_from_db()
    assert mine.assignee == owner


def test_waiting_for_a_person_ends_when_a_member_answers_and_the_assignee_stays(
    agent, make_visitor
):
    visitor = make_visitor()
    live_chat_request(visitor=visitor)
    visitor.refresh_from_db()
    assert visitor.live_chat == LiveChat.REQUESTED and visitor.waiting_since is not None
    live_chat_reply(visitor=visitor, member=agent, text="I'm here")
    visitor.refresh_from_db()
    assert visitor.waiting_since is None
    live_chat_end(visitor=visitor, member=agent)
    visitor.refresh_from_db()
    assert visitor.live_chat == LiveChat.NONE and visitor.assignee == agent


def test_a_removed_members_conversations_become_unassigned(owner, agent, make_visitor):
    visitor = make_visitor()
    visitor_assign(visitor=visitor, assignee=agent, actor=owner.user)
    member_remove(member=agent, actor=owner.user)
    visitor.refresh_from_db()
    assert visitor.assignee is None


def test_the_last_message_is_kept_on_the_visitor_for_the_list(owner, make_visitor):
    visitor = make_visitor()
    message_post(visitor=visitor, sender=Sender.VISITOR, text="  Hola,\n\n  ¿abrís   hoy? ")
    message_post(visitor=visitor, sender=Sender.AGENT, kind=MessageKind.NOTE, text="VIP")
    visitor.refresh_from_db()
    assert visitor.last_message_text == "Hola, ¿abrís hoy?"  # one line; notes are not shown
    message_post(visitor=visitor, sender=Sender.VISITOR, text="x" * 5000)
    visitor.refresh_from_db()
    assert visitor.last_message_text == "x" * 200 and visitor.last_message_at is not None


def test_the_round_robin_gives_waiting_visitors_to_online_members_in_turn(
    owner, agent, make_visitor
):
    from tertulia.accounts.models import Member, Workspace
    from tertulia.realtime.presence import presence_beat, presence_set_away

    Workspace.objects.filter(pk=owner.workspace_id).update(auto_assign=True, auto_assign_limit=2)
    first = make_visitor(name="First")
    live_chat_request(visitor=first)
    first.refresh_from_db()
    assert first.assignee is None  # nobody online: it waits
    assert first.waiting_since is not None

    presence_beat(member_id=owner.pk)
    presence_beat(member_id=agent.pk)
    given = []
    for n in range(5):
        visitor = make_visitor(name=f"V{n}")
        live_chat_request(visitor=visitor)
        visitor.refresh_from_db()
        given.append(visitor.assignee)
    # In turn, two each (the limit), then the fifth waits.
    assert given[:4].count(owner) == 2 and given[:4].count(agent) == 2
    assert given[0] != given[1] and given[4] is None
    line = Message.objects.filter(kind=MessageKind.ASSIGNMENT).last()
    assert line.payload["auto"] is True and line.agent is None

    # Away members get none.
    presence_set_away(member=Member.objects.get(pk=agent.pk), away=True)
    Visitor = type(first)
    Visitor.objects.filter(assignee=owner).update(live_chat="")
    late = make_visitor(name="Late")
    live_chat_request(visitor=late)
    late.refresh_from_db()
    assert late.assignee == owner


def test_automatic_assignment_is_off_by_default(owner, make_visitor):
    from tertulia.realtime.presence import presence_beat

    presence_beat(member_id=owner.pk)
    visitor = make_visitor()
    live_chat_request(visitor=visitor)
    visitor.refresh_from_db()
    assert visitor.assignee is None
