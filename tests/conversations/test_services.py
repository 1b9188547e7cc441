import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from tertulia.conversations.models import Message, MessageKind, Sender, StatusChange
from tertulia.conversations.services import visitor_set_status
from tertulia.realtime import events
from tertulia.realtime.publish import workspace_group
from tertulia.visitors.choices import VisitorStatus


def test_manual_status_change_writes_audit_row_and_system_line(owner, make_visitor):
    visitor = make_visitor(name="Lucía")
    change = visitor_set_status(visitor=visitor, status=VisitorStatus.LEAD, actor=owner.user)

    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.LEAD
    assert (change.from_status, change.to_status, change.actor) == ("new", "lead", owner.user)
    line = Message.objects.get(visitor=visitor, kind=MessageKind.STATUS_CHANGE)
    assert line.sender == Sender.SYSTEM
    assert line.payload == {"from": "new", "to": "lead", "node": None}


def test_flow_node_change_names_the_node(make_visitor):
    visitor = make_visitor()
    change = visitor_set_status(
        visitor=visitor, status="customer", flow_node="n7", flow_node_label="Sales lead"
    )
    assert change.actor is None
    assert (change.flow_node, change.flow_node_label) == ("n7", "Sales lead")


def test_setting_the_same_status_changes_nothing(owner, make_visitor):
    visitor = make_visitor()
    assert visitor_set_status(visitor=visitor, status="new", actor=owner.user) is None
    assert StatusChange.objects.count() == 0
    assert Message.objects.count() == 0


def test_unknown_status_is_refused(make_visitor):
    with pytest.raises(ValueError):
        visitor_set_status(visitor=make_visitor(), status="vip")


@pytest.mark.django_db(transaction=True)
def test_status_change_is_published_after_commit(owner, make_visitor):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(workspace_group(owner.workspace_id), channel)
    visitor = make_visitor()
    async_to_sync(layer.receive)(channel)  # visitor.created

    visitor_set_status(visitor=visitor, status="lead", actor=owner.user)

    event = async_to_sync(layer.receive)(channel)
    assert event["event"] == events.VISITOR_STATUS_CHANGED
    assert event["data"] == {"visitor": visitor.pk, "from": "new", "to": "lead"}


def test_message_count_counts_what_was_said_not_system_lines(owner, make_visitor):
    from tertulia.conversations.services import message_post

    visitor = make_visitor(name="Ana")
    message_post(visitor=visitor, sender=Sender.BOT, text="Hi")
    message_post(visitor=visitor, sender=Sender.VISITOR, text="Hello")
    visitor_set_status(visitor=visitor, status=VisitorStatus.LEAD, actor=owner.user)
    message_post(visitor=visitor, sender=Sender.AGENT, text="How can I help?", agent=owner.user)
    visitor.refresh_from_db()
    assert visitor.messages.count() == 4
    assert visitor.message_count == visitor.messages.counted().count() == 3
