"""Private notes: members only, and `@name` mentions reach the colleague named."""

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.utils import timezone

from tertulia.accounts.models import Member, Role
from tertulia.accounts.services import member_add
from tertulia.conversations.models import Message, MessageKind
from tertulia.conversations.notes import mentioned_members, note_post
from tertulia.notifications.models import Channel, Delivery, Notification, NotificationKind
from tertulia.realtime.publish import visitor_group
from tertulia.widget.services import widget_history
from tests.conftest import PASSWORD


@pytest.fixture
def jose(workspace):
    return member_add(
        workspace=workspace,
        email="jgarcia@acme.test",
        password=PASSWORD,
        role=Role.AGENT,
        name="José García",
    )


def names(members):
    return sorted(str(member.user) for member in members)


def test_mentions_by_first_name_whole_name_or_address(owner, agent, jose):
    def said(text):
        return names(mentioned_members(workspace_id=owner.workspace_id, text=text))

    assert said("@ana please") == ["Ana Agent"]
    assert said("@ANA, and @jose.") == ["Ana Agent", "José García"]
    assert said("@JoséGarcía and @jgarcia") == ["José García"]
    assert said("write to mail@ana.com or ana@acme.test") == []
    assert said("@nobody @ @@ana") == []


@pytest.mark.django_db(transaction=True)
def test_a_note_stays_with_the_team_and_rings_the_mentioned(owner, agent, make_visitor):
    visitor = make_visitor(name="Vera")
    layer = get_channel_layer()
    widget = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(visitor_group(visitor.pk), widget)

    note = note_post(visitor=visitor, member=owner, text="  @ana VIP, call back  ")

    assert (note.kind, note.text, note.agent) == (
        MessageKind.NOTE,
        "@ana VIP, call back",
        owner.user,
    )
    # Nothing went to the visitor's widget: the first thing it hears is what is sent after.
    async_to_sync(layer.group_send)(visitor_group(visitor.pk), {"type": "after"})
    assert async_to_sync(layer.receive)(widget) == {"type": "after"}
    assert widget_history(visitor=visitor) == []
    visitor.refresh_from_db()
    assert visitor.message_count == 0 and visitor.last_message_text == ""
    assert visitor.assignee is None  # a note assigns nobody
    line = Notification.objects.get()
    assert (line.member, line.kind) == (agent, NotificationKind.MENTION)
    assert line.title == "Olga Owner mentioned you about Vera"


def test_mentioned_members_not_online_get_an_email_and_the_writer_nothing(
    owner, agent, jose, make_visitor
):
    Member.objects.filter(pk=jose.pk).update(online_until=timezone.now() + dt.timedelta(minutes=1))
    note_post(visitor=make_visitor(), member=owner, text="@ana @jose @olga look")
    assert sorted(Notification.objects.values_list("member__user__email", flat=True)) == [
        "agent@acme.test",
        "jgarcia@acme.test",
    ]
    (email,) = Delivery.objects.filter(channel=Channel.EMAIL)
    assert email.target == "agent@acme.test"  # José is online: the bell is enough
    assert "Olga Owner mentioned you" in email.payload["subject"]
    assert "@ana @jose @olga look" in email.payload["body"]


def test_empty_and_too_long_notes_are_refused(owner, make_visitor):
    visitor = make_visitor()
    for text in ("   ", "x" * 4001):
        with pytest.raises(ValidationError):
            note_post(visitor=visitor, member=owner, text=text)
    assert not Message.objects.exists()
