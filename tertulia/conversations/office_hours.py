"""Whether the team can answer now, and what the chat does when it cannot.

The team is away outside the bot's office hours (when it has them on) or when no member is online
(`realtime.presence`). Then the live-chat step says so instead of promising someone shortly, and
asks for an e-mail address if the visitor has not given one; an address typed in the chat while
waiting becomes the visitor's e-mail, so a member's reply can reach them there
(`conversations.follow_up`).
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tertulia.conversations.models import Sender
from tertulia.conversations.services import VisitorChanges, message_post
from tertulia.flows.hours import is_open
from tertulia.flows.models import Bot
from tertulia.realtime.presence import anyone_online, members_online
from tertulia.visitors.choices import LiveChat
from tertulia.visitors.models import Visitor


def within_office_hours(bot: Bot, now=None) -> bool:
    """Inside the bot's office hours, or it has none."""
    if not bot.hours_on:
        return True
    return is_open(bot.hours, now or timezone.now(), bot.workspace.timezone)


def team_available(bot: Bot, now=None) -> bool:
    """Whether someone can answer now: within office hours and a member online."""
    return within_office_hours(bot, now) and members_online(workspace_id=bot.workspace_id).exists()


def team_seems_available(bot: Bot) -> bool:
    """`team_available` now, with presence as remembered for a moment (`anyone_online`): what
    the chat shows (Away or not) after every message."""
    return within_office_hours(bot) and anyone_online(workspace_id=bot.workspace_id)


def say_away(*, visitor: Visitor) -> None:
    """The live-chat step while the team is away: say so, and ask for an e-mail if none."""
    with translation.override(visitor.chat_language):
        if visitor.email:
            text = _("We're away right now. We'll reply here and by e-mail to %(email)s.") % {
                "email": visitor.email
            }
        else:
            text = _("We're away right now. Leave your e-mail address here and we'll reply there.")
    message_post(visitor=visitor, sender=Sender.BOT, text=text, payload={"away": True})


def away_email_capture(
    *, visitor: Visitor, text: str, changes: VisitorChanges | None = None
) -> bool:
    """While waiting for a person without an e-mail on record, an address typed in the chat
    becomes the visitor's e-mail (and the bot says where the reply will go). `changes`: what
    the caller has gathered so far, written first when this writes."""
    if visitor.live_chat != LiveChat.REQUESTED or visitor.email:
        return False
    address = text.strip()
    try:
        validate_email(address)
    except ValidationError:
        return False
    if changes is not None:
        changes.write(visitor.pk)
    visitor.email = address.lower()
    visitor.save(update_fields=["email"])
    with translation.override(visitor.chat_language):
        thanks = _("Thanks! We'll reply to %(email)s.") % {"email": visitor.email}
    message_post(visitor=visitor, sender=Sender.BOT, text=thanks)
    return True
