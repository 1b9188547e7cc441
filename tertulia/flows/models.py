"""Bots: a chat widget and the flow it runs."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Workspace


def new_public_key() -> str:
    return secrets.token_urlsafe(16)


class Bot(models.Model):
    """A widget with its flow; the embed snippet names it by its public key."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="bots")
    name = models.CharField(_("name"), max_length=120)
    public_key = models.CharField(max_length=32, unique=True, default=new_public_key)
    allowed_origins = models.JSONField(_("allowed site origins"), default=list, blank=True)
    flow = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
