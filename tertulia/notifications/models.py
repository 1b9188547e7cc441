"""What members are told: the dashboard's bell, and e-mails and webhooks the worker delivers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Member, Workspace
from tertulia.visitors.models import Visitor


class Notification(models.Model):
    """One line under a member's bell."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications")
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["member", "read_at", "id"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """An e-mail or a webhook call, kept until it is sent or given up on; the worker sends it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The webhook URL, or the e-mail recipients separated by commas.
    target = models.TextField()
    event = models.CharField(max_length=40)
    # E-mail: {"subject", "body"}; webhook: the JSON body, sent as is.
    payload = models.JSONField(default=dict)
    secret = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "id"], name="delivery_recent")]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} -> {self.target}"
