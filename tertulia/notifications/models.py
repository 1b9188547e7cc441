"""What members are told: the dashboard's bell, and e-mails and webhooks the worker delivers."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Member, Workspace
from tertulia.visitors.models import Visitor


class NotificationKind(models.TextChoices):
    """What a bell line is about; its words are chosen when it is read (`Notification.title`)."""

    # A visitor asked for a person. Params: none (the visitor is the row's visitor).
    LIVE_CHAT_REQUESTED = "live_chat_requested", _("A visitor is waiting for a person")
    # A flow's Notification node. Params: {"label", "text"}, written by the bot's author.
    FLOW_NOTIFICATION = "flow_notification", _("A flow's notification")
    # A member mentioned another in an internal note. Params: {"by": their name, "text": the
    # note's first 200 characters}.
    MENTION = "mention", _("A colleague mentioned you")
    # A webhook endpoint failed for a day and was paused. Params: {"url"}.
    WEBHOOK_PAUSED = "webhook_paused", _("A webhook was paused")


class Notification(models.Model):
    """One line under a member's bell, stored as a kind plus parameters and worded when read,
    in the reader's language (the active one: the bell is rendered in the member's request)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications")
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["member", "read_at", "id"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title

    @property
    def visitor_name(self) -> str:
        """The visitor's name as it is now ("Visitor #N" once anonymised)."""
        return self.visitor.display_name if self.visitor_id else gettext("A visitor")

    @property
    def title(self) -> str:
        match self.kind:
            case NotificationKind.LIVE_CHAT_REQUESTED:
                return gettext("%(visitor)s is waiting for a person") % {
                    "visitor": self.visitor_name
                }
            case NotificationKind.FLOW_NOTIFICATION:
                return str(self.params.get("label") or "") or self.get_kind_display()
            case NotificationKind.WEBHOOK_PAUSED:
                return gettext("The webhook to %(url)s failed for a day and was paused") % {
                    "url": self.params.get("url", "")
                }
            case NotificationKind.MENTION:
                return gettext("%(member)s mentioned you about %(visitor)s") % {
                    "member": self.params.get("by") or gettext("A colleague"),
                    "visitor": self.visitor_name,
                }
        return self.get_kind_display()

    @property
    def body(self) -> str:
        if self.kind in (NotificationKind.FLOW_NOTIFICATION, NotificationKind.MENTION):
            return str(self.params.get("text") or "")
        return ""

    @property
    def about(self) -> str:
        """Who the line is about, when its title does not say it already."""
        if self.kind in (NotificationKind.LIVE_CHAT_REQUESTED, NotificationKind.MENTION):
            return ""
        if not self.visitor_id:
            return ""
        return self.visitor_name


class WebhookEndpoint(models.Model):
    """Where a workspace's chosen events are POSTed, signed with its secret
    (`notifications.webhooks`)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    url = models.TextField(_("address"))
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(max_length=64)
    # After a rotation the previous secret signs too, until then.
    previous_secret = models.CharField(max_length=64, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # Since when every delivery has failed (None: the last one went through). A day of it
    # pauses the endpoint (`paused_for_failures`) and tells the owners and admins.
    failing_since = models.DateTimeField(null=True, blank=True)
    paused_for_failures = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "active"], name="webhook_by_workspace")]

    def __str__(self) -> str:
        return self.url


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
    # A delivery to one of the workspace's endpoints (else the Notification node's own URL).
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The last attempt: how long it took, and the start of the receiver's answer.
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "id"], name="delivery_recent"),
            models.Index(fields=["endpoint", "-id"], name="delivery_by_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} -> {self.target}"
