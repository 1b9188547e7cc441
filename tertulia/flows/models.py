"""Bots: a chat widget and the flow it runs."""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Workspace


def new_public_key() -> str:
    return secrets.token_urlsafe(16)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


class Position(models.TextChoices):
    RIGHT = "right", _("Bottom right")
    LEFT = "left", _("Bottom left")


class Bot(models.Model):
    """A widget with its flow; the embed snippet names it by its public key."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="bots")
    name = models.CharField(_("name"), max_length=120)
    public_key = models.CharField(max_length=32, unique=True, default=new_public_key)
    allowed_origins = models.JSONField(_("allowed site origins"), default=list, blank=True)
    flow = models.JSONField(default=dict, blank=True)

    # The widget's look.
    title = models.CharField(_("title"), max_length=80, default="Chat", blank=True)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#2563eb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #2563eb."))],
    )
    avatar = models.CharField(
        _("avatar"),
        max_length=2,
        blank=True,
        help_text=_("One or two letters or an emoji shown beside the bot's messages."),
    )
    greeting = models.CharField(
        _("greeting"),
        max_length=200,
        blank=True,
        help_text=_("Shown under the title before the conversation starts."),
    )
    position = models.CharField(
        _("position"), max_length=5, choices=Position.choices, default=Position.RIGHT
    )
    # Empty: the visitor's browser language, when it is one of settings.LANGUAGES.
    language = models.CharField(
        _("widget language"),
        max_length=5,
        choices=[("", _("The visitor's browser language")), *settings.LANGUAGES],
        blank=True,
    )
    # Signs the Notification node's webhooks (header Tertulia-Signature).
    # Office hours (`flows.hours`): with them on, outside them the live-chat step says the team
    # is away and the widget shows "Away".
    hours_on = models.BooleanField(_("office hours"), default=False)
    hours = models.JSONField(default=dict, blank=True)
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def origin_allowed(self, origin: str) -> bool:
        """Whether a page at `origin` may embed this bot. No list means any site may."""
        if not self.allowed_origins:
            return True
        return origin.rstrip("/").lower() in {o.rstrip("/").lower() for o in self.allowed_origins}
