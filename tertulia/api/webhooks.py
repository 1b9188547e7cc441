"""/api/v1/webhooks: the Webhooks page for programs (owners' and admins' tokens)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from tertulia.api.auth import may, may_write
from tertulia.api.errors import invalid, not_found
from tertulia.api.schemas import WITH_BODY, Body, Id, answers
from tertulia.notifications.models import Delivery, WebhookEndpoint
from tertulia.notifications.webhooks import (
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_update,
    resend,
    send_test_event,
)
from tertulia.realtime.events import SUBSCRIBABLE_EVENTS

router = Router(tags=["Webhooks"])
Event = StrEnum("Event", {name.replace(".", "_").upper(): name for name in SUBSCRIBABLE_EVENTS})
Url = Annotated[str, Field(min_length=1, max_length=2000)]
LOG_SIZE = 50


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    paused_for_failures: bool = Field(description="Paused after a day of failed deliveries.")
    failing_since: datetime | None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret: shown once.")


class WebhookIn(Body):
    url: Url
    events: list[Event] = Field(min_length=1)


class WebhookChange(Body):
    url: Url | None = None
    events: list[Event] | None = Field(None, min_length=1)
    active: bool | None = None


class Secret(Schema):
    secret: str = Field(description="The new signing secret; the previous one signs for a day.")


class DeliveryOut(Schema):
    id: int
    event: str
    event_id: str | None = Field(description="The event's `id`, the same on every retry.")
    state: str = Field(description="pending, sent or failed.")
    attempts: int
    response_code: int | None
    response_excerpt: str
    duration_ms: int | None
    error: str
    created_at: datetime
    last_attempt_at: datetime | None


def _endpoint(request, endpoint_id: int) -> WebhookEndpoint:
    may(request, "api")
    endpoint = WebhookEndpoint.objects.filter(
        workspace_id=request.member.workspace_id, pk=endpoint_id
    ).first()
    if endpoint is None:
        raise not_found()
    return endpoint


def _webhook(endpoint: WebhookEndpoint) -> dict:
    return {name: getattr(endpoint, name) for name in WebhookOut.model_fields}


def _delivery(delivery: Delivery) -> dict:
    data = {name: getattr(delivery, name, None) for name in DeliveryOut.model_fields}
    data["event_id"] = (
        (delivery.payload or {}).get("id") if isinstance(delivery.payload, dict) else None
    )
    return data


@router.get("/webhooks", response=answers(list[WebhookOut]), summary="List webhooks")
def webhook_list(request):
    may(request, "api")
    endpoints = WebhookEndpoint.objects.filter(workspace_id=request.member.workspace_id)
    return [_webhook(endpoint) for endpoint in endpoints.order_by("id")]


@router.post(
    "/webhooks",
    response=answers(WebhookCreated, status=201, errors=WITH_BODY),
    summary="Add a webhook",
)
def webhook_create(request, body: WebhookIn):
    """The endpoint and its signing secret, shown this once."""
    may_write(request, "api")
    try:
        endpoint, secret = endpoint_create(
            member=request.member, url=body.url, chosen=[str(event) for event in body.events]
        )
    except ValidationError as error:
        raise invalid(error) from None
    return Status(201, {**_webhook(endpoint), "secret": secret})


@router.get("/webhooks/{webhook_id}", response=answers(WebhookOut), summary="Get a webhook")
def webhook_detail(request, webhook_id: Id):
    return _webhook(_endpoint(request, webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response=answers(WebhookOut, errors=WITH_BODY),
    summary="Change a webhook",
)
def webhook_change(request, webhook_id: Id, body: WebhookChange):
    """Its address, its events, or `active` (true resumes one paused after failures)."""
    may_write(request, "api")
    endpoint = _endpoint(request, webhook_id)
    chosen = [str(event) for event in body.events] if body.events else endpoint.events
    active = endpoint.active if body.active is None else body.active
    try:
        endpoint_update(
            endpoint=endpoint, url=body.url or endpoint.url, chosen=chosen, active=active
        )
    except ValidationError as error:
        raise invalid(error) from None
    return _webhook(endpoint)


@router.delete(
    "/webhooks/{webhook_id}", response=answers(None, status=204), summary="Delete a webhook"
)
def webhook_remove(request, webhook_id: Id):
    may_write(request, "api")
    endpoint_delete(endpoint=_endpoint(request, webhook_id))
    return Status(204, None)


@router.post(
    "/webhooks/{webhook_id}/rotate", response=answers(Secret), summary="Rotate a webhook's secret"
)
def webhook_rotate(request, webhook_id: Id):
    may_write(request, "api")
    return {"secret": endpoint_rotate_secret(endpoint=_endpoint(request, webhook_id))}


@router.post(
    "/webhooks/{webhook_id}/test",
    response=answers(DeliveryOut, status=202),
    summary="Send a test event",
)
def webhook_test(request, webhook_id: Id):
    may_write(request, "api")
    return Status(202, _delivery(send_test_event(endpoint=_endpoint(request, webhook_id))))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response=answers(list[DeliveryOut]),
    summary="List a webhook's deliveries",
)
def delivery_list(request, webhook_id: Id):
    """The last 50, newest first."""
    endpoint = _endpoint(request, webhook_id)
    deliveries = Delivery.objects.filter(endpoint=endpoint).order_by("-id")[:LOG_SIZE]
    return [_delivery(delivery) for delivery in deliveries]


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/resend",
    response=answers(DeliveryOut, status=202),
    summary="Resend a delivery",
)
def delivery_resend(request, webhook_id: Id, delivery_id: Id):
    """The same event again, with the same `id`."""
    may_write(request, "api")
    endpoint = _endpoint(request, webhook_id)
    delivery = Delivery.objects.filter(endpoint=endpoint, pk=delivery_id).first()
    if delivery is None:
        raise not_found()
    return Status(202, _delivery(resend(delivery=delivery)))
