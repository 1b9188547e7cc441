"""Webhooks for every event: a receiver on loopback gets each event of a whole widget
conversation, signed, once (or again with the same id), and retries after it answers 500; a
note never leaves the workspace; a rotated secret signs beside the new one for a day; a day of
failures pauses the endpoint and rings the admins' bells."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.live_chat import live_chat_end, live_chat_reply
from tertulia.conversations.merge import visitors_merge
from tertulia.conversations.notes import note_post
from tertulia.conversations.services import visitor_set_status
from tertulia.notifications import webhooks
from tertulia.notifications.models import Delivery, DeliveryState, Notification, WebhookEndpoint
from tertulia.notifications.webhooks import (
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_update,
    resend,
    send_test_event,
)
from tertulia.realtime.events import SUBSCRIBABLE_EVENTS
from tertulia.visitors.models import Visitor
from tests.widget.test_http import post

from .delivery import WEBHOOK_KEYS, ready_deliver_tasks, run_worker, transactional
from .servers import WebhookReceiver


def signatures(header: str) -> tuple[int, list[str]]:
    parts = [part.split("=", 1) for part in header.split(",")]
    timestamp = int(dict(parts)["t"])
    return timestamp, [value for name, value in parts if name == "v1"]


def verified(request, secret: str) -> bool:
    """What a receiver does: recompute the HMAC of "<t>.<body>" and compare."""
    timestamp, digests = signatures(request.headers["Tertulia-Signature"])
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, digest) for digest in digests)


@transactional
def test_every_event_of_a_whole_conversation_reaches_the_receiver_once(
    client, bot, owner, agent, make_visitor
):
    earlier = make_visitor(name="Vera, before")  # from another browser, before the endpoint
    with WebhookReceiver() as receiver:
        endpoint, secret = endpoint_create(
            member=owner, url=receiver.url("/hooks"), chosen=list(SUBSCRIBABLE_EVENTS)
        )
        opened = post(client, bot, "open", {"identity": {"userId": "v-1"}}).json()
        token, visitor_id = opened["token"], opened["visitor"]["id"]
        send = lambda frame: post(client, bot, "send", frame, token)  # noqa: E731
        assert (
            send(
                {"type": "choose", "client_id": "c1", "node": "topic", "option": "sales"}
            ).status_code
            == 200
        )
        values = {"name": "Vera <b>", "email": "vera@example.com", "phone": ""}
        assert (
            send(
                {"type": "submit", "client_id": "c2", "node": "contact", "values": values}
            ).status_code
            == 200
        )
        visitor = Visitor.objects.get(pk=visitor_id)
        note_post(visitor=visitor, member=owner, text="Secret note @ana")
        live_chat_reply(visitor=visitor, member=agent, text="Hola Vera")
        visitor_assign(visitor=visitor, assignee=owner, actor=owner.user)
        visitor_set_status(visitor=visitor, status="customer", actor=owner.user)
        live_chat_end(visitor=Visitor.objects.get(pk=visitor_id), member=agent)
        visitors_merge(keep=Visitor.objects.get(pk=visitor_id), other=earlier, actor=owner.user)
        run_worker()

    bodies = [json.loads(r.body) for r in receiver.requests]
    assert all(verified(r, secret) for r in receiver.requests)
    assert all(set(b) == WEBHOOK_KEYS for b in bodies)
    assert all(
        b["visitor"]["id"] == visitor.pk and b["workspace"] == owner.workspace_id for b in bodies
    )
    assert len({b["id"] for b in bodies}) == len(bodies)  # each event once
    seen = [b["event"] for b in bodies]
    for event in (
        "visitor.created",
        "conversation.started",
        "message.created",
        "form.submitted",
        "visitor.status_changed",
        "visitor.assigned",
        "live_chat.requested",
        "live_chat.assigned",
        "live_chat.ended",
        "notification",
        "visitor.identified",
        "visitor.merged",
    ):
        assert event in seen, event
    identified = next(b for b in bodies if b["event"] == "visitor.identified")
    assert identified["data"] == {"user_id": "v-1", "verified": False}
    assert identified["visitor"]["user_id"] == "v-1"
    merged = next(b for b in bodies if b["event"] == "visitor.merged")
    assert merged["data"] == {"merged": earlier.pk}
    texts = [b["data"]["message"]["text"] for b in bodies if b["event"] == "message.created"]
    assert "Hola Vera" in texts
    assert not any("Secret note" in r.body.decode() for r in receiver.requests)  # never a note
    form = next(b for b in bodies if b["event"] == "form.submitted")
    assert {f["name"]: f["value"] for f in form["data"]["fields"]}["name"] == "Vera <b>"
    changes = [b for b in bodies if b["event"] == "visitor.status_changed"]
    assert [(b["data"]["from"], b["data"]["to"], b["visitor"]["status"]) for b in changes] == [
        ("new", "lead", "lead"),  # the flow's Notification node
        ("lead", "customer", "customer"),  # by hand
    ]
    log = Delivery.objects.filter(endpoint=endpoint)
    assert log.count() == len(bodies) and not log.exclude(state=DeliveryState.SENT).exists()
    assert all(d.duration_ms is not None and d.response_excerpt == "OK" for d in log)


@transactional
def test_a_failing_receiver_gets_the_same_event_again_and_only_what_it_chose(
    client, bot, owner, make_visitor
):
    with WebhookReceiver(statuses=[500]) as receiver:
        endpoint_create(member=owner, url=receiver.url("/hooks"), chosen=["visitor.status_changed"])
        visitor = make_visitor(name="Vera")
        visitor_set_status(visitor=visitor, status="lead", actor=owner.user)
        run_worker()
        assert Delivery.objects.get().state == DeliveryState.PENDING
        DBTaskResult.objects.filter(pk__in=ready_deliver_tasks()).update(
            run_after=timezone.now() - timedelta(seconds=1)
        )
        run_worker()
    first, second = receiver.requests
    assert first.body == second.body  # at least once: the same id, for the receiver to drop
    assert json.loads(first.body)["event"] == "visitor.status_changed"
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_code) == ("sent", 2, 200)


@transactional
def test_resend_and_test_event_and_a_rotated_secret(bot, owner, make_visitor):
    with WebhookReceiver() as receiver:
        endpoint, old = endpoint_create(
            member=owner, url=receiver.url("/hooks"), chosen=["visitor.status_changed"]
        )
        visitor = make_visitor(name="Vera")
        visitor_set_status(visitor=visitor, status="lead", actor=owner.user)
        run_worker()
        new = endpoint_rotate_secret(endpoint=endpoint)
        resend(delivery=Delivery.objects.get())
        send_test_event(endpoint=endpoint)
        run_worker()
    original, again, test = receiver.requests
    assert json.loads(again.body)["id"] == json.loads(original.body)["id"]
    assert verified(again, new) and verified(again, old)  # both sign during the grace
    assert json.loads(test.body)["event"] == "test" and json.loads(test.body)["visitor"] is None
    endpoint.refresh_from_db()
    endpoint.previous_secret_until = timezone.now() - timedelta(seconds=1)
    endpoint.save()
    with WebhookReceiver() as receiver:
        endpoint_update(
            endpoint=endpoint, url=receiver.url("/h"), chosen=endpoint.events, active=True
        )
        send_test_event(endpoint=endpoint)
        run_worker()
    (late,) = receiver.requests
    assert verified(late, new) and not verified(late, old)


@transactional
def test_a_day_of_failures_pauses_the_endpoint_and_tells_the_admins(
    bot, owner, agent, make_visitor
):
    with WebhookReceiver(statuses=[503] * 5) as receiver:
        endpoint, _secret = endpoint_create(
            member=owner, url=receiver.url("/hooks"), chosen=["visitor.status_changed"]
        )
        visitor = make_visitor(name="Vera")
        visitor_set_status(visitor=visitor, status="lead", actor=owner.user)
        run_worker()
        endpoint.refresh_from_db()
        assert endpoint.failing_since is not None and endpoint.active
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            failing_since=timezone.now() - timedelta(days=1, minutes=1)
        )
        DBTaskResult.objects.filter(pk__in=ready_deliver_tasks()).update(
            run_after=timezone.now() - timedelta(seconds=1)
        )
        run_worker()
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.paused_for_failures
    (bell,) = Notification.objects.filter(kind="webhook_paused")
    assert bell.member == owner and "failed for a day" in bell.title  # not the agent
    visitor_set_status(visitor=visitor, status="customer", actor=owner.user)
    assert Delivery.objects.count() == 1  # a paused endpoint gets nothing new


@pytest.mark.django_db
def test_the_webhooks_page_is_for_owners_and_admins(owner_client, agent_client, other_owner):
    url = reverse("api:webhooks")
    assert agent_client.get(url).status_code == 403
    refused = owner_client.post(url, {"url": "ftp://x", "events": ["nope"]})
    assert refused.status_code == 400 and not WebhookEndpoint.objects.exists()
    made = owner_client.post(
        url, {"url": "https://crm.example/hook", "events": ["message.created"]}, follow=True
    )
    assert made.status_code == 200
    secret = made.context["secret"]
    assert secret.startswith("whsec_") and secret in made.content.decode()
    endpoint = WebhookEndpoint.objects.get()
    assert (
        secret not in owner_client.get(reverse("api:webhook", args=[endpoint.pk])).content.decode()
    )
    theirs, _ = endpoint_create(
        member=other_owner, url="https://globex.example/h", chosen=["message.created"]
    )
    assert owner_client.get(reverse("api:webhook", args=[theirs.pk])).status_code == 404
    assert owner_client.post(reverse("api:webhook_delete", args=[theirs.pk])).status_code == 404


def test_what_the_endpoints_want_is_remembered_for_a_second_and_dropped_on_a_change(
    owner, monkeypatch, django_capture_on_commit_callbacks
):
    """A text's events cost one cache read a second: an endpoint changed through this process
    counts at once; one made through another (its row and the shared cache change, not this
    process's memory) counts within the second it is remembered."""
    monkeypatch.setattr(webhooks._subscriptions, "seconds", 0.3)
    workspace_id = owner.workspace_id
    first, second = sorted(SUBSCRIBABLE_EVENTS)[:2]
    assert webhooks.subscribed_events(workspace_id) == frozenset()

    with django_capture_on_commit_callbacks(execute=True):
        endpoint, _secret = endpoint_create(
            member=owner, url="https://hooks.example.test/a", chosen=[first]
        )
    assert webhooks.subscribed_events(workspace_id) == {first}

    WebhookEndpoint.objects.create(
        workspace_id=workspace_id,
        url="https://hooks.example.test/b",
        events=[second],
        secret=webhooks.new_secret(),
    )
    cache.delete(webhooks._subscribed_key(workspace_id))  # what the other process does
    assert webhooks.subscribed_events(workspace_id) == {first}
    time.sleep(0.35)
    assert webhooks.subscribed_events(workspace_id) == {first, second}
    assert endpoint.events == [first]
