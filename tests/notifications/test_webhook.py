"""Webhooks to a local HTTP receiver: signed JSON, and receivers that misbehave."""

import hmac
import json
import uuid
from datetime import datetime

from django.utils import timezone

from tertulia.notifications.models import Channel, Delivery, DeliveryState, Notification
from tertulia.notifications.services import notify_from_node, webhook_body

from .delivery import (
    WEBHOOK_KEYS,
    assert_signed,
    expected_signature,
    notify,
    parse_signature,
    ready_deliver_tasks,
    run_worker,
    transactional,
    webhook_only,
)
from .servers import NotHTTPServer, WebhookReceiver


@transactional
def test_webhook_is_posted_as_signed_json(owner, bot, make_visitor):
    visitor = make_visitor(
        name="Lucía <i>López</i>",
        email="lucia@example.org",
        phone="+34612345678",
        country="ES",
        city="Madrid",
        attributes={"plan": "team", "seats": "200"},
    )
    with WebhookReceiver() as receiver:
        notify_from_node(
            visitor=visitor,
            bot=bot,
            label="New lead",
            text="Wants a quote",
            config=webhook_only(receiver.url("/hooks/tertulia?source=test")),
        )
        assert len(receiver.requests) == 0
        run_worker()

    (request,) = receiver.requests
    assert request.method == "POST"
    assert request.path == "/hooks/tertulia?source=test"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Tertulia-Webhook/1"

    payload = json.loads(request.body)
    assert set(payload) == WEBHOOK_KEYS
    assert payload["event"] == "notification"
    assert uuid.UUID(payload["id"])
    created_at = datetime.fromisoformat(payload["created_at"])
    assert created_at.tzinfo is not None
    assert abs((timezone.now() - created_at).total_seconds()) < 60
    assert payload["workspace"] == owner.workspace_id
    assert payload["bot"] == bot.public_key
    assert payload["data"] == {"label": "New lead", "text": "Wants a quote"}
    sent_visitor = payload["visitor"]
    assert sent_visitor["id"] == visitor.pk
    assert sent_visitor["number"] == visitor.number
    assert sent_visitor["name"] == "Lucía <i>López</i>"
    assert sent_visitor["email"] == "lucia@example.org"
    assert sent_visitor["phone"] == "+34612345678"
    assert (sent_visitor["country"], sent_visitor["city"]) == ("ES", "Madrid")
    assert sent_visitor["attributes"] == {"plan": "team", "seats": "200"}
    assert sent_visitor["url"].endswith(f"/visitors/{visitor.pk}/")

    assert bot.webhook_secret
    assert_signed(request, bot.webhook_secret)
    timestamp, digest = parse_signature(request.headers["Tertulia-Signature"])
    assert not hmac.compare_digest(digest, expected_signature("wrong", timestamp, request.body))
    assert not hmac.compare_digest(
        digest, expected_signature(bot.webhook_secret, timestamp, request.body + b" ")
    )

    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.event, delivery.secret) == (
        Channel.WEBHOOK,
        "notification",
        bot.webhook_secret,
    )
    assert (delivery.state, delivery.attempts, delivery.response_code, delivery.error) == (
        DeliveryState.SENT,
        1,
        200,
        "",
    )
    assert not Notification.objects.exists()


def test_webhook_body_has_the_documented_shape(owner, bot, make_visitor):
    visitor = make_visitor(name="Ana")
    when = timezone.now()
    payload = webhook_body(
        event="visitor.updated", visitor=visitor, bot=None, data={"at": when, "n": 1}
    )
    assert set(payload) == WEBHOOK_KEYS
    assert payload["bot"] is None
    # Data that JSON cannot hold is sent as text, and the whole body survives a round trip.
    assert payload["data"] == {"at": str(when), "n": 1}
    assert json.loads(json.dumps(payload)) == payload
    assert payload["id"] != webhook_body(event="x", visitor=visitor, bot=bot, data={})["id"]


@transactional
def test_receiver_that_does_not_answer_http_is_retried(bot, make_visitor):
    with NotHTTPServer() as server:
        notify(visitor=make_visitor(name="Ana"), bot=bot, config=webhook_only(server.url("/hook")))
        run_worker()
        assert server.connections == 1

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert delivery.error
    assert ready_deliver_tasks().count() == 1


@transactional
def test_webhook_redirect_is_not_taken_for_delivery(bot, make_visitor):
    with WebhookReceiver(statuses=[302], redirect_to="/moved") as receiver:
        notify(
            visitor=make_visitor(name="Ana"), bot=bot, config=webhook_only(receiver.url("/hook"))
        )
        run_worker()

    assert [(r.method, r.path) for r in receiver.requests] == [("POST", "/hook")]
    delivery = Delivery.objects.get()
    assert delivery.state != DeliveryState.SENT
    assert delivery.response_code == 302
