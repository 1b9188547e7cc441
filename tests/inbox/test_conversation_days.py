"""Each day of a conversation opens with its weekday and date, in the reader's language; under
it, each message shows its time."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone, translation

from tertulia.conversations.models import Message, Sender
from tertulia.conversations.services import message_post
from tertulia.visitors.templatetags.visitors import day_heading


def conversation_with_one_message(client, make_visitor, when: dt.datetime) -> str:
    """The panel's conversation of a visitor who wrote once, at `when`."""
    visitor = make_visitor()
    message = message_post(visitor=visitor, sender=Sender.VISITOR, text="Hola")
    Message.objects.filter(pk=message.pk).update(created_at=when)
    url = reverse("visitors:panel", args=[visitor.pk]) + "?panel=conversation"
    return client.get(url, headers={"HX-Request": "true"}).content.decode()


def test_the_day_divider_names_the_weekday_and_the_date(owner_client, make_visitor):
    when = timezone.make_aware(dt.datetime(2026, 11, 25, 12, 0))
    page = conversation_with_one_message(owner_client, make_visitor, when)
    assert "Wednesday, Nov. 25, 2026" in page
    with translation.override("es"):
        assert day_heading(when) == "miércoles, 25 de noviembre de 2026"


def test_under_its_day_a_message_shows_its_time_and_the_whole_moment_on_hover(
    owner_client, make_visitor
):
    when = timezone.make_aware(dt.datetime(2026, 11, 25, 16, 5))
    page = conversation_with_one_message(owner_client, make_visitor, when)
    assert 'title="Nov. 25, 2026, 4:05 p.m.">4:05 p.m.</time>' in page
    assert "11/25/2026 4:05 p.m." not in page
