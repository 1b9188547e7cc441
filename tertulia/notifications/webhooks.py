"""Webhooks for every event: a workspace's endpoints, each subscribed to events of the one list
(`realtime.events.WEBHOOK_EVENTS`), and the deliveries the events make for them.

An event becomes one delivery per subscribed, active endpoint in the transaction that made the
event (`queue_webhooks`, registered with `realtime.publish.on_publish`), so a change that
commits is delivered at least once; the worker sends it (`tasks.deliver`), signed with the
endpoint's secret (and, for a day after a rotation, its previous one too), and retries for a day.
Internal notes never become an event of a webhook.
"""

import secrets
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.accounts.models import Member, Role
from tertulia.core.cache import Remembered
from tertulia.core.web import is_web_url
from tertulia.notifications.models import Channel, Delivery, WebhookEndpoint
from tertulia.realtime import events
from tertulia.visitors.models import Visitor

# A rotated secret still signs for this long, so receivers can switch over.
ROTATION_GRACE = timedelta(days=1)
# Which events a workspace's endpoints want, kept in the cache (shared by processes with Redis)
# so that an event nobody subscribed to costs no query, and for a second in each process (a
# visitor's text makes three events); dropped whenever an endpoint changes.
SUBSCRIBED_FOR_SECONDS = 60
_subscriptions = Remembered(seconds=1.0)


def _subscribed_key(workspace_id: int) -> str:
    return f"webhooks:subscribed:{workspace_id}"


def subscribed_events(workspace_id: int) -> frozenset[str]:
    """The events at least one active endpoint of the workspace wants."""
    key = _subscribed_key(workspace_id)
    return _subscriptions.get(key, lambda: _subscribed_in_cache(workspace_id, key))


def _subscribed_in_cache(workspace_id: int, key: str) -> frozenset[str]:
    found = cache.get(key)
    if found is None:
        found = set()
        for chosen in WebhookEndpoint.objects.filter(
            workspace_id=workspace_id, active=True
        ).values_list("events", flat=True):
            found.update(chosen if isinstance(chosen, list) else [])
        found = frozenset(found)
        cache.set(key, found, SUBSCRIBED_FOR_SECONDS)
    return found


def _forget_subscriptions(workspace_id: int) -> None:
    transaction.on_commit(lambda: _subscriptions.forget(_subscribed_key(workspace_id)))


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def _checked(url: str, chosen: list[str]) -> tuple[str, list[str]]:
    url = (url or "").strip()
    if not is_web_url(url):
        raise ValidationError({"url": _("Give an address that starts with https:// or http://.")})
    unknown = [event for event in chosen if event not in events.WEBHOOK_EVENTS]
    if unknown or not chosen:
        raise ValidationError({"events": _("Choose at least one event from the list.")})
    return url, sorted(set(chosen))


@transaction.atomic
def endpoint_create(*, member: Member, url: str, chosen: list[str]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint; returns it and its signing secret (shown once)."""
    url, chosen = _checked(url, chosen)
    endpoint = WebhookEndpoint.objects.create(
        workspace_id=member.workspace_id, url=url, events=chosen, secret=new_secret()
    )
    _forget_subscriptions(member.workspace_id)
    return endpoint, endpoint.secret


@transaction.atomic
def endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, chosen: list[str], active: bool
) -> WebhookEndpoint:
    """Its address, its events, and whether it is active (resuming clears a failure pause)."""
    endpoint.url, endpoint.events = _checked(url, chosen)
    if active and not endpoint.active:
        endpoint.failing_since = None
        endpoint.paused_for_failures = False
    endpoint.active = active
    endpoint.save()
    _forget_subscriptions(endpoint.workspace_id)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one also signs for a day (ROTATION_GRACE). Returns the new one."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + ROTATION_GRACE
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint.secret


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    _forget_subscriptions(endpoint.workspace_id)
    endpoint.delete()


def signing_secrets(endpoint: WebhookEndpoint, now=None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one during
    its grace."""
    now = now or timezone.now()
    keys = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and now < endpoint.previous_secret_until
    ):
        keys.append(endpoint.previous_secret)
    return keys


def _deliver_to(endpoints, *, workspace_id: int, visitor: Visitor | None, event: str, body: dict):
    from tertulia.notifications.tasks import deliver

    made = Delivery.objects.bulk_create(
        Delivery(
            workspace_id=workspace_id,
            visitor=visitor,
            endpoint=endpoint,
            channel=Channel.WEBHOOK,
            target=endpoint.url,
            event=event,
            payload=body,
        )
        for endpoint in endpoints
    )
    ids = [delivery.pk for delivery in made]
    transaction.on_commit(lambda: [deliver.enqueue(pk) for pk in ids])
    return made


def queue_webhooks(workspace_id: int, event: str, data: dict) -> None:
    """For `realtime.publish.on_publish`: the deliveries of one event, in its transaction."""
    from tertulia.notifications.services import webhook_body

    if event not in events.WEBHOOK_EVENTS or event not in subscribed_events(workspace_id):
        return
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(workspace_id=workspace_id, active=True)
        if event in endpoint.events
    ]
    visitor = Visitor.objects.select_related("bot").filter(pk=data.get("visitor")).first()
    if not endpoints or visitor is None:
        return
    body = webhook_body(event=event, visitor=visitor, bot=visitor.bot, data=data)
    _deliver_to(endpoints, workspace_id=workspace_id, visitor=visitor, event=event, body=body)


def send_test_event(*, endpoint: WebhookEndpoint) -> Delivery:
    """A `test` delivery to the endpoint, whatever it subscribes to."""
    from tertulia.notifications.services import event_envelope

    body = event_envelope(event=events.WEBHOOK_TEST, workspace_id=endpoint.workspace_id)
    return _deliver_to(
        [endpoint],
        workspace_id=endpoint.workspace_id,
        visitor=None,
        event=events.WEBHOOK_TEST,
        body=body,
    )[0]


def resend(*, delivery: Delivery) -> Delivery:
    """The same event again, with the same `id` (receivers drop what they have seen)."""
    endpoint = delivery.endpoint
    return _deliver_to(
        [endpoint],
        workspace_id=delivery.workspace_id,
        visitor=delivery.visitor,
        event=delivery.event,
        body=delivery.payload,
    )[0]


# A day of failing deliveries pauses an endpoint, and its owners and admins are told.
PAUSE_AFTER = timedelta(days=1)


def endpoint_answered(*, endpoint_id: int) -> None:
    """A delivery went through: the endpoint is not failing."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=False).update(
        failing_since=None
    )


@transaction.atomic
def endpoint_failed(*, endpoint_id: int) -> None:
    """A delivery failed; after a day of nothing but failures the endpoint pauses."""
    from tertulia.notifications.models import Notification, NotificationKind
    from tertulia.realtime.publish import publish_on_commit

    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.active:
        return
    now = timezone.now()
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
        return
    if now - endpoint.failing_since < PAUSE_AFTER:
        return
    endpoint.active = False
    endpoint.paused_for_failures = True
    endpoint.save(update_fields=["active", "paused_for_failures"])
    _forget_subscriptions(endpoint.workspace_id)
    managers = Member.objects.filter(
        workspace_id=endpoint.workspace_id, role__in=[Role.OWNER, Role.ADMIN]
    ).values_list("pk", flat=True)
    Notification.objects.bulk_create(
        Notification(
            workspace_id=endpoint.workspace_id,
            member_id=member_id,
            kind=NotificationKind.WEBHOOK_PAUSED,
            params={"url": endpoint.url[:200]},
        )
        for member_id in managers
    )
    publish_on_commit(
        workspace_id=endpoint.workspace_id, event=events.NOTIFICATION_CREATED, data={}
    )
