"""E-mail follow-up: a member's reply also reaches a visitor who has left the chat, by e-mail;
and the visitor can ask for the whole conversation by e-mail once the chat has ended.

When a member replies to a visitor who gave an e-mail address and whose chat has not been open
for `AWAY_AFTER` (the widget's socket renews `Visitor.last_seen_at` while it is open), the reply
is e-mailed too: in the visitor's chat language, with the last few messages as context, a link
back to the page where they chatted and a one-click link to stop these e-mails. Never to an
anonymised visitor or one who stopped them, and at most `follow_up_emails_per_visitor` an hour.
The delivery queue sends it (retries included).
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tertulia.accounts.links import public_url
from tertulia.conversations.models import Message, Sender
from tertulia.core import ratelimit
from tertulia.notifications.services import email_visitor
from tertulia.visitors.models import PageView, Visitor

AWAY_AFTER = timedelta(minutes=3)
CONTEXT_MESSAGES = 5
TRANSCRIPT_MESSAGES = 200
STOP_SALT = "tertulia.conversations.follow-up-stop"


def stop_token(visitor: Visitor) -> str:
    """The signed token of a visitor's "stop e-mails about this chat" link (it does not expire:
    an old e-mail's link keeps working)."""
    return signing.dumps(visitor.pk, salt=STOP_SALT)


def visitor_for_stop_token(token: str) -> Visitor | None:
    try:
        visitor_id = signing.loads(token, salt=STOP_SALT)
    except signing.BadSignature:
        return None
    return Visitor.objects.filter(pk=visitor_id).first() if isinstance(visitor_id, int) else None


def follow_up_stop(*, visitor: Visitor) -> None:
    """The visitor asked for no more e-mails about this chat."""
    if visitor.emails_stopped_at is None:
        visitor.emails_stopped_at = timezone.now()
        Visitor.objects.filter(pk=visitor.pk).update(emails_stopped_at=visitor.emails_stopped_at)


def wants_email(visitor: Visitor, now=None) -> bool:
    """Whether a reply now should also go by e-mail (the rate limit aside)."""
    now = now or timezone.now()
    return may_email(visitor) and (
        visitor.last_seen_at is None or visitor.last_seen_at < now - AWAY_AFTER
    )


def follow_up_email(*, visitor: Visitor, reply: Message) -> bool:
    """E-mail `reply` to the visitor if they have left the chat; returns whether it was queued."""
    if not wants_email(visitor) or ratelimit.hit("follow_up_emails_per_visitor", str(visitor.pk)):
        return False
    earlier = list(
        Message.objects.filter(visitor=visitor, id__lt=reply.pk)
        .visible_to_visitor()
        .counted()
        .select_related("agent")
        .order_by("-id")[:CONTEXT_MESSAGES]
    )[::-1]
    page = PageView.objects.filter(visitor=visitor).order_by("-id").values_list("url").first()
    chat_url = page[0] if page else visitor.landing_page
    stop_url = public_url(reverse("widget:stop_emails", args=[stop_token(visitor)]))
    who = reply.agent.public_name if reply.agent_id else _("Our team")
    with translation.override(visitor.chat_language):
        subject = _("%(agent)s replied to your chat") % {"agent": who}
        lines = [_("%(agent)s wrote:") % {"agent": who}, "", reply.text, ""]
        if earlier:
            lines += [_("Earlier in the conversation:")]
            lines += [f"  {_speaker(message, visitor)}: {message.preview}" for message in earlier]
            lines += [""]
        if chat_url:
            lines += [_("Answer in the chat: %(url)s") % {"url": chat_url}]
        lines += [_("Stop e-mails about this chat: %(url)s") % {"url": stop_url}]
    email_visitor(visitor=visitor, event="follow_up", subject=subject, body="\n".join(lines))
    return True


def may_email(visitor: Visitor) -> bool:
    """Whether the visitor can be e-mailed at all: an address, not anonymised, not stopped."""
    return bool(visitor.email and not visitor.anonymised_at and not visitor.emails_stopped_at)


def transcript_email(*, visitor: Visitor) -> bool:
    """The visitor asked for the conversation by e-mail: everything they saw in it, oldest first
    (the last 200 messages), to their address. Counts toward the same hourly limit as replies."""
    if not may_email(visitor) or ratelimit.hit("follow_up_emails_per_visitor", str(visitor.pk)):
        return False
    said = list(
        Message.objects.filter(visitor=visitor)
        .visible_to_visitor()
        .counted()
        .select_related("agent")
        .order_by("-id")[:TRANSCRIPT_MESSAGES]
    )[::-1]
    stop_url = public_url(reverse("widget:stop_emails", args=[stop_token(visitor)]))
    with translation.override(visitor.chat_language):
        subject = _("Your conversation with us")
        lines = [_("Here is your conversation, as you asked:"), ""]
        lines += [
            f"{message.created_at:%Y-%m-%d %H:%M} {_speaker(message, visitor)}: {message.preview}"
            for message in said
        ]
        lines += ["", _("Stop e-mails about this chat: %(url)s") % {"url": stop_url}]
    email_visitor(visitor=visitor, event="transcript", subject=subject, body="\n".join(lines))
    return True


def _speaker(message: Message, visitor: Visitor) -> str:
    if message.sender == Sender.VISITOR:
        return _("You")
    if message.sender == Sender.AGENT and message.agent_id:
        return message.agent.public_name
    return _("Bot")
