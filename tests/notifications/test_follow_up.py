"""E-mail follow-up: a member's reply reaches a visitor who left the chat, by e-mail, through the
real worker and an SMTP sink; the one-click link stops them."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tertulia.conversations.live_chat import live_chat_reply
from tertulia.conversations.models import Sender
from tertulia.conversations.services import message_post
from tertulia.flows.services import flow_save
from tertulia.notifications.models import Channel, Delivery
from tertulia.visitors.models import Visitor

from .delivery import run_worker, transactional, use_smtp
from .servers import SMTPSink


def left_a_while_ago(visitor, minutes=10):
    Visitor.objects.filter(pk=visitor.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=minutes)
    )
    visitor.refresh_from_db()


@transactional
def test_a_reply_to_a_visitor_who_left_arrives_by_email_and_the_link_stops_them(
    settings, owner, make_visitor
):
    settings.TERTULIA_URL = "http://chat.example.test"
    visitor = make_visitor(name="Lucía", email="lucia@example.org", languages="es-ES")
    message_post(visitor=visitor, sender=Sender.VISITOR, text="¿Hacéis envíos a Canarias?")
    left_a_while_ago(visitor)
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        live_chat_reply(visitor=visitor, member=owner, text="Sí, en 48 horas <b>gratis</b>.")
        run_worker()
        (mail,) = sink.messages
    message = mail.message
    assert mail.rcpt_to == ["lucia@example.org"]
    assert message["Subject"] == "Olga Owner respondió a tu chat"  # the chat's language
    text = message.get_payload(decode=True).decode()
    assert "Sí, en 48 horas <b>gratis</b>." in text
    assert "Tú: ¿Hacéis envíos a Canarias?" in text  # the conversation so far
    stop = re.search(r"http://chat\.example\.test(/chat/stop-emails/\S+/)", text).group(1)

    page = Client().get(stop)
    assert page.status_code == 200
    assert "No recibirás más correos sobre este chat" in page.content.decode()
    visitor.refresh_from_db()
    assert visitor.emails_stopped_at is not None
    live_chat_reply(visitor=visitor, member=owner, text="¿Algo más?")
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 1  # no more


@pytest.mark.parametrize(
    ("fields", "minutes"),
    [
        ({"email": "here@example.org"}, 1),  # the chat is open (seen a minute ago)
        ({"email": ""}, 10),  # no address
        ({"email": "x@example.org", "anonymised_at": timezone.now()}, 10),
        ({"email": "x@example.org", "emails_stopped_at": timezone.now()}, 10),
    ],
)
def test_no_email_while_the_chat_is_open_or_when_it_must_not(owner, make_visitor, fields, minutes):
    visitor = make_visitor(name="V", **fields)
    left_a_while_ago(visitor, minutes)
    live_chat_reply(visitor=visitor, member=owner, text="Hello")
    assert not Delivery.objects.exists()


def test_emails_to_one_visitor_are_rate_limited(settings, owner, make_visitor):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "follow_up_emails_per_visitor": (2, 3600)}
    visitor = make_visitor(email="v@example.org")
    left_a_while_ago(visitor)
    for n in range(4):
        live_chat_reply(visitor=visitor, member=owner, text=f"Reply {n}")
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 2


@pytest.mark.parametrize("token", ["x", "1", "a" * 300, "..", "%00", "eyJ.abc.def"])
def test_a_broken_stop_link_says_so_and_changes_nothing(db, token):
    response = Client().get(f"/chat/stop-emails/{token}/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


@transactional
def test_outside_hours_the_hand_off_asks_for_an_email_and_the_reply_goes_there(
    settings, owner, bot
):
    """The whole path: the widget over HTTP, a closed schedule, the real worker, the link."""
    settings.TERTULIA_URL = "http://chat.example.test"
    flow_save(
        bot=bot,
        flow={
            "nodes": [
                {"id": "start", "type": "start", "next": "human"},
                {"id": "human", "type": "live_chat", "text": "Someone joins shortly."},
            ]
        },
    )
    bot.hours_on, bot.hours = True, {"days": {}}  # closed every day: outside hours now
    bot.save()
    widget = Client(HTTP_ACCEPT_LANGUAGE="en")

    def post(path, data, token=""):
        return widget.post(
            f"/widget/{bot.public_key}/{path}",
            data=json.dumps(data),
            content_type="application/json",
            headers={"X-Tertulia-Token": token} if token else {},
        ).json()

    opened = post("open", {"page": {"url": "https://shop.example/help"}})
    said = [m["text"] for m in opened["messages"]]
    assert said == ["We're away right now. Leave your e-mail address here and we'll reply there."]
    assert opened["state"]["away"] is True
    post("send", {"type": "text", "client_id": "c1", "text": "zoe@example.org"}, opened["token"])
    visitor = Visitor.objects.get()
    assert visitor.email == "zoe@example.org" and visitor.waiting_since is not None

    left_a_while_ago(visitor)
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        live_chat_reply(visitor=visitor, member=owner, text="Hi Zoe, here is your answer.")
        run_worker()
        (mail,) = sink.messages
    text = mail.message.get_payload(decode=True).decode()
    assert mail.rcpt_to == ["zoe@example.org"] and "Hi Zoe, here is your answer." in text
    assert "Answer in the chat: https://shop.example/help" in text
    stop = re.search(r"http://chat\.example\.test(/chat/stop-emails/\S+/)", text).group(1)
    assert Client().get(stop).status_code == 200
    visitor.refresh_from_db()
    assert visitor.emails_stopped_at is not None


def test_the_visitor_asks_for_the_conversation_by_email(settings, bot, make_visitor):
    from tertulia.widget.services import token_hash

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "follow_up_emails_per_visitor": (1, 3600)}
    visitor = make_visitor(name="Zoe", email="zoe@example.org")
    Visitor.objects.filter(pk=visitor.pk).update(token_hash=token_hash("tok"))
    message_post(visitor=visitor, sender=Sender.VISITOR, text="Do you ship to Ceuta?")
    message_post(visitor=visitor, sender=Sender.BOT, text="Yes, in 3 days.")

    def ask(token="tok"):  # noqa: S107 (a widget token, not a password)
        return Client().post(
            f"/widget/{bot.public_key}/transcript",
            data="{}",
            content_type="application/json",
            headers={"X-Tertulia-Token": token},
        )

    assert ask().json() == {"ok": True}
    (email,) = Delivery.objects.filter(channel=Channel.EMAIL, event="transcript")
    assert email.target == "zoe@example.org"
    assert "You: Do you ship to Ceuta?" in email.payload["body"]
    assert "Bot: Yes, in 3 days." in email.payload["body"]
    assert ask().status_code == 429  # the hourly limit
    assert ask("not-the-token").status_code in (401, 403, 404)
    Visitor.objects.filter(pk=visitor.pk).update(email="")
    assert ask().json()["error"] == "no_email"
