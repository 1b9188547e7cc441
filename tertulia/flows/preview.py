"""The flow editor's "Try it": a signed pass that lets the chat it shows start a test
conversation, which the Visitors page keeps apart (`Visitor.is_preview`)."""

from django.core import signing

from tertulia.flows.models import Bot

_SALT = "tertulia.flows.preview"
# A pass is good for a working day; reopening the editor gives a new one.
MAX_AGE_SECONDS = 12 * 3600


def preview_pass(bot: Bot) -> str:
    """A pass for this bot's test conversations, handed to the editor's chat."""
    return signing.dumps(bot.pk, salt=_SALT)


def is_preview_pass(bot: Bot, value: object) -> bool:
    """Whether `value` is a valid, unexpired pass for this bot (anything else: False)."""
    if not isinstance(value, str) or not value or len(value) > 200:
        return False
    try:
        return signing.loads(value, salt=_SALT, max_age=MAX_AGE_SECONDS) == bot.pk
    except signing.BadSignature:
        return False
