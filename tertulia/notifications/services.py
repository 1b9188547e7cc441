"""Telling members: the bell in the dashboard, e-mails and webhooks (sent by the worker)."""

import json
import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tertulia.accounts.links import public_url
from tertulia.accounts.models import Member, Role
from tertulia.flows.models import Bot
from tertulia.notifications.models import Channel, Delivery, Notification, NotificationKind
from tertulia.realtime import events
from tertulia.realtime.presence import members_online
from tertulia.realtime.publish import publish_on_commit, published
from tertulia.visitors.models import Visitor


def one_line(text: str) -> str:
    """Header-safe text (e-mail subjects): line breaks and runs of spaces become one space."""
    return " ".join(str(text).split())


def visitor_url(visitor: Visitor) -> str:
    """The visitor's page, for e-mails the worker sends (no request: TERTULIA_URL, else
    `tertulia serve`'s default address)."""
    return public_url(reverse("visitors:detail", args=[visitor.pk]))


def notify_members(
    *,
    visitor: Visitor,
    kind: NotificationKind,
    params: dict | None = None,
    only: list[Member] | None = None,
) -> None:
    """A line under the bell of every member of the visitor's workspace (or of the members in
    `only`). It is stored as a kind plus parameters and worded when read, in each reader's own
    language."""
    if only is not None:
        members = [member.pk for member in only]
    else:
        members = Member.objects.filter(workspace_id=visitor.workspace_id).values_list(
            "pk", flat=True
        )
    Notification.objects.bulk_create(
        Notification(
            workspace_id=visitor.workspace_id,
            member_id=member_id,
            visitor=visitor,
            kind=kind,
            params=params or {},
        )
        for member_id in members
    )
    publish_on_commit(
        workspace_id=visitor.workspace_id,
        event=events.NOTIFICATION_CREATED,
        data={"visitor": visitor.pk},
    )


def notify_live_chat_requested(*, visitor: Visitor) -> None:
    notify_members(visitor=visitor, kind=NotificationKind.LIVE_CHAT_REQUESTED)


@transaction.atomic
def notify_from_node(*, visitor: Visitor, bot: Bot, label: str, text: str, config: dict) -> None:
    """What a flow's Notification node asks for: the bell, e-mails, a webhook."""
    if config.get("in_app", True):
        notify_members(
            visitor=visitor,
            kind=NotificationKind.FLOW_NOTIFICATION,
            params={"label": label, "text": text},
        )

    member_ids = [m for m in config.get("email_members") or [] if isinstance(m, int)]
    recipients = list(
        Member.objects.filter(workspace_id=visitor.workspace_id, pk__in=member_ids)
        .select_related("user")
        .values_list("user__email", "user__language")
    )
    address = str(config.get("email_to") or "").strip()
    if address:
        recipients.append((address, _owner_language(visitor)))
    for email, language in recipients:
        with translation.override(language or settings.LANGUAGE_CODE):
            # A header is one line; the body keeps the line breaks visitors typed.
            subject = one_line(
                _("%(label)s: %(visitor)s") % {"label": label, "visitor": visitor.display_name}
            )
            body = "\n".join(
                [
                    text,
                    "",
                    _("Visitor: %(visitor)s") % {"visitor": visitor.display_name},
                    _("E-mail: %(email)s") % {"email": visitor.email or "-"},
                    _("Phone: %(phone)s") % {"phone": visitor.phone or "-"},
                    _("Bot: %(bot)s") % {"bot": bot.name},
                    "",
                    _("Open the conversation: %(url)s") % {"url": visitor_url(visitor)},
                ]
            )
        _queue(visitor, Channel.EMAIL, email, "notification", {"subject": subject, "body": body})

    published(
        workspace_id=visitor.workspace_id,
        event=events.FLOW_NOTIFICATION,
        data={"visitor": visitor.pk, "label": label, "text": text},
    )
    url = str(config.get("webhook_url") or "").strip()
    if url:
        payload = webhook_body(
            event="notification", visitor=visitor, bot=bot, data={"label": label, "text": text}
        )
        _queue(visitor, Channel.WEBHOOK, url, "notification", payload, secret=bot.webhook_secret)


@transaction.atomic
def notify_mentioned(*, visitor: Visitor, by: Member, members: list[Member], text: str) -> None:
    """Members mentioned in a note: a bell line each, and an e-mail to those not online now (in
    their language, with the note and a link to the conversation). Notes never leave the team:
    this e-mail goes to members only."""
    excerpt = text[:200]
    notify_members(
        visitor=visitor,
        kind=NotificationKind.MENTION,
        params={"by": str(by.user), "text": excerpt},
        only=members,
    )
    online = set(members_online(workspace_id=visitor.workspace_id).values_list("pk", flat=True))
    for member in members:
        if member.pk in online:
            continue
        with translation.override(member.user.language or settings.LANGUAGE_CODE):
            subject = one_line(
                _("%(member)s mentioned you about %(visitor)s")
                % {"member": by.user, "visitor": visitor.display_name}
            )
            body = "\n".join(
                [
                    text,
                    "",
                    _("Open the conversation: %(url)s") % {"url": visitor_url(visitor)},
                ]
            )
        _queue(
            visitor, Channel.EMAIL, member.user.email, "mention", {"subject": subject, "body": body}
        )


def email_visitor(*, visitor: Visitor, event: str, subject: str, body: str) -> None:
    """Queue an e-mail to the visitor's own address (the delivery queue sends and retries it)."""
    _queue(
        visitor, Channel.EMAIL, visitor.email, event, {"subject": one_line(subject), "body": body}
    )


def event_envelope(
    *, event: str, workspace_id: int, bot: Bot | None = None, visitor: dict | None = None, data=None
) -> dict:
    """What every webhook POSTs; `id` is the event's, the same on every retry and resend."""
    return {
        "event": event,
        "id": str(uuid.uuid4()),
        "created_at": timezone.now().isoformat(),
        "workspace": workspace_id,
        "bot": bot.public_key if bot else None,
        "visitor": visitor,
        "data": json.loads(json.dumps(data or {}, default=str)),
    }


def webhook_body(*, event: str, visitor: Visitor, bot: Bot | None, data: dict) -> dict:
    data = {name: value for name, value in data.items() if name != "visitor"}
    return event_envelope(
        event=event,
        workspace_id=visitor.workspace_id,
        bot=bot,
        data=data,
        visitor={
            "id": visitor.pk,
            "number": visitor.number,
            "name": visitor.name,
            "email": visitor.email,
            "phone": visitor.phone,
            "status": visitor.status,
            "country": visitor.country,
            "region": visitor.region,
            "city": visitor.city,
            "attributes": visitor.attributes,
            "user_id": visitor.external_id,
            "verified": visitor.identity_verified,
            "url": visitor_url(visitor),
        },
    )


def _owner_language(visitor: Visitor) -> str:
    owner = (
        Member.objects.filter(workspace_id=visitor.workspace_id, role=Role.OWNER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return owner.user.language if owner else ""


def _queue(visitor, channel, target, event, payload, secret="") -> None:
    from tertulia.notifications.tasks import deliver

    delivery = Delivery.objects.create(
        workspace_id=visitor.workspace_id,
        visitor=visitor,
        channel=channel,
        target=target,
        event=event,
        payload=payload,
        secret=secret,
    )
    transaction.on_commit(lambda: deliver.enqueue(delivery.pk))


@transaction.atomic
def notifications_mark_read(*, member: Member) -> int:
    return Notification.objects.filter(member=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
