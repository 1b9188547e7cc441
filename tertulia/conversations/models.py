"""The conversation: messages of every kind, and the audit trail of status changes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Member, Workspace
from tertulia.core.limits import MESSAGE_MAX
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.models import PREVIEW_MAX, Visitor


class Sender(models.TextChoices):
    BOT = "bot", _("Bot")
    VISITOR = "visitor", _("Visitor")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class MessageKind(models.TextChoices):
    TEXT = "text", _("Text")
    OPTIONS = "options", _("Options offered")
    OPTION_CHOICE = "option_choice", _("Option chosen")
    FORM = "form", _("Form asked")
    FORM_SUBMISSION = "form_submission", _("Form submitted")
    STATUS_CHANGE = "status_change", _("Status change")
    ASSIGNMENT = "assignment", _("Assignment")
    NOTE = "note", _("Note")


# Lines for members only: never sent to the widget, an e-mail or a webhook.
MEMBERS_ONLY_KINDS = (MessageKind.STATUS_CHANGE, MessageKind.ASSIGNMENT, MessageKind.NOTE)


def counts_as_message(*, sender: str, kind: str) -> bool:
    """What `Visitor.message_count` counts: what the bot, the visitor and agents said to each
    other; not system lines (status changes) or members' notes."""
    return sender != Sender.SYSTEM and kind not in MEMBERS_ONLY_KINDS


class MessageQuerySet(models.QuerySet):
    def visible_to_visitor(self) -> "MessageQuerySet":
        """The messages a visitor sees in the widget."""
        return self.exclude(kind__in=MEMBERS_ONLY_KINDS)

    def counted(self) -> "MessageQuerySet":
        """The messages `counts_as_message` counts, as a query (the same rule)."""
        return self.exclude(sender=Sender.SYSTEM).exclude(kind__in=MEMBERS_ONLY_KINDS)


class Message(models.Model):
    """One entry of a conversation. Structured parts (options, form fields) live in `payload`.

    payload by kind:
      options          {"options": [{"id", "label"}], "chosen": id | null}
      option_choice    {"option": id, "label": str}
      form             {"fields": [{"name", "label", "type", "required"}]}
      form_submission  {"fields": [{"name", "label", "value"}]}
      status_change    {"from": status, "to": status, "node": str | null}
      assignment       {"to": member id | null, "name": their name then, "auto": bool}
                       (`agent` is who assigned; none with "auto": the workspace's round robin)
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.TEXT)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set by the widget on every send, so a retried send is stored once.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (unique when set)
    created_at = models.DateTimeField(db_default=models.functions.Now())

    objects = MessageQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["visitor", "id"], name="message_by_visitor")]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "client_id"], name="message_client_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}/{self.kind}: {self.text[:40]}"

    @property
    def visible_to_visitor(self) -> bool:
        """Status changes and notes are for members only."""
        return self.kind not in MEMBERS_ONLY_KINDS

    @property
    def preview(self) -> str:
        """The message in one line of plain text, as the Visitors list shows the last one."""
        match self.kind:
            case MessageKind.OPTION_CHOICE:
                text = self.payload.get("label") or self.text
            case MessageKind.FORM_SUBMISSION:
                values = (str(field.get("value") or "") for field in self.payload.get("fields", []))
                text = " · ".join(value for value in values if value)
            case _:
                text = self.text
        return " ".join(str(text).split())[:PREVIEW_MAX]

    def widget_json(self) -> dict:
        """What the widget receives; plain data, rendered there as text, never as markup."""
        data = {
            "id": self.pk,
            "sender": self.sender,
            "kind": self.kind,
            "text": self.text,
            "payload": self.payload,
            "client_id": self.client_id,
            "created_at": self.created_at.isoformat(),
        }
        if self.sender == Sender.AGENT and self.agent_id:
            data["agent"] = self.agent.public_name
        return data


class StatusChange(models.Model):
    """Who or what moved a visitor from one status to another, and when."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=VisitorStatus.choices)
    to_status = models.CharField(max_length=16, choices=VisitorStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when a flow's Notification node made the change: the node's id and its label.
    flow_node = models.CharField(max_length=64, blank=True)
    flow_node_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        indexes = [models.Index(fields=["visitor", "id"], name="status_change_by_visitor")]

    def __str__(self) -> str:
        return f"{self.visitor_id}: {self.from_status} -> {self.to_status}"


class SavedReply(models.Model):
    """A ready answer a member inserts with `/shortcut` in the reply box. The workspace's (no
    owner: owners and admins keep them) or one member's own. The same shortcut may exist once
    per language; the one in the visitor's language is offered, else the one for any language.
    `{name}`, `{email}`, `{agent}` and custom attributes are filled when it is offered."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="saved_replies"
    )
    title = models.CharField(_("title"), max_length=100)
    shortcut = models.SlugField(_("shortcut"), max_length=40, allow_unicode=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    text = models.TextField(_("text"), max_length=MESSAGE_MAX)
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "shortcut", "language"],
                condition=models.Q(owner__isnull=True),
                name="saved_reply_unique_in_workspace",
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut", "language"],
                condition=models.Q(owner__isnull=False),
                name="saved_reply_unique_per_member",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "shortcut"], name="saved_reply_by_shortcut")]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
