"""Invitations to join a workspace, sent by e-mail."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Role, Workspace

# How long an invitation's link works after it was (last) sent.
INVITATION_DAYS = 7


def token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256 (the link holds the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    EXPIRED = "expired", _("Expired")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """An e-mail address asked to join a workspace with a role. The link's token is random and
    only its hash is kept; sending again makes a new token, so older links stop working."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} -> {self.workspace_id} ({self.role})"

    @property
    def expires_at(self):
        return self.sent_at + timedelta(days=INVITATION_DAYS)

    @property
    def state(self) -> InvitationState:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        if timezone.now() >= self.expires_at:
            return InvitationState.EXPIRED
        return InvitationState.PENDING
