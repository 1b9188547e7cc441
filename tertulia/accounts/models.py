"""Workspaces (tenants), users and their membership of a workspace."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    """Reject names that are not IANA time zones."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value})


class IpStorage(models.TextChoices):
    """How much of a visitor's IP address is kept (the location is looked up before)."""

    NONE = "none", _("Do not store IP addresses")
    TRUNCATED = "truncated", _("Store them shortened (last part zeroed)")
    FULL = "full", _("Store them in full")


class Workspace(models.Model):
    """One customer account. Every visitor, bot and message belongs to exactly one."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    # The last "Visitor #N" handed out; visitors are numbered per workspace.
    visitor_seq = models.PositiveBigIntegerField(default=0)
    ip_storage = models.CharField(
        _("visitors' IP addresses"),
        max_length=10,
        choices=IpStorage.choices,
        default=IpStorage.TRUNCATED,
    )
    # Archived visitors are deleted this many days after they were archived; None keeps them.
    retention_days = models.PositiveIntegerField(
        _("delete archived visitors after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Visitors archived for longer are deleted, with their conversations, once an hour. "
            "Leave empty to keep them."
        ),
    )
    # Office hours are read in this time zone.
    timezone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    # When a visitor asks for a person, give the conversation to an online member in turn.
    auto_assign = models.BooleanField(
        _("assign conversations automatically"),
        default=False,
        help_text=_(
            "When a visitor asks for a person, the conversation goes to the online member with "
            "the fewest open live chats, in turn. With nobody online it waits."
        ),
    )
    auto_assign_limit = models.PositiveSmallIntegerField(
        _("open live chats per member"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("A member with this many open live chats is skipped."),
    )
    # The widget's identity verification: `identify` must carry HMAC-SHA256(userId, this secret)
    # as `userHash`; empty means off (any `identify` is taken, unverified).
    identity_secret = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        """Create a user who logs in with this e-mail address."""
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in to the dashboard, with an e-mail address and password."""

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser's language."),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def public_name(self) -> str:
        """How visitors see this member in the chat: never the e-mail address."""
        return self.name or self.email.split("@")[0]


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    AGENT = "agent", _("Agent")


# What each role may do: the one list the views and services ask (`Member.can`), and the table
# in docs/ARCHITECTURE.md. Each role may do everything of the roles below it.
#   visitors  the Visitors page: conversations, live chat, status changes, exports
#   team_view the Team page: members, their roles and pending invitations
#   bots      bots and their flows
#   workspace the workspace's settings and its audit log
#   privacy   deleting and anonymising visitors
#   team      invite people (as admin or agent), resend and revoke invitations, change the role
#             of admins and agents, remove them
#   owners    make someone an owner, change or remove an owner, hand ownership over
#   api       the workspace's API tokens (make and revoke them)
ROLE_CAN: dict[str, frozenset[str]] = {
    "agent": frozenset({"visitors", "team_view"}),
    "admin": frozenset(
        {"visitors", "team_view", "bots", "workspace", "privacy", "team", "replies", "api"}
    ),
    "owner": frozenset(
        {
            "visitors",
            "team_view",
            "bots",
            "workspace",
            "privacy",
            "team",
            "replies",
            "api",
            "owners",
        }
    ),
}


class Member(models.Model):
    """A user's place in a workspace, with a role."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)
    # Presence (`realtime.presence`): online while a dashboard of this workspace is open (its
    # socket renews `online_until`) and the member has not set themselves "Away".
    away = models.BooleanField(default=False)
    online_until = models.DateTimeField(null=True, blank=True)
    # When the workspace's round robin last gave this member a conversation.
    auto_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user"], name="member_unique_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.role})"

    @property
    def is_manager(self) -> bool:
        """Owners and admins set up bots and the workspace, and delete visitors."""
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def is_online(self) -> bool:
        """Whether the member can answer now: a dashboard open, and not set to "Away"."""
        return (
            not self.away and self.online_until is not None and self.online_until > timezone.now()
        )

    def can(self, ability: str) -> bool:
        """Whether this member's role allows `ability` (a key of `ROLE_CAN`)."""
        return ability in ROLE_CAN.get(self.role, frozenset())


class AuditAction(models.TextChoices):
    """What an audit entry records; `accounts.audit` words each kind for the reader."""

    WORKSPACE_CREATED = "workspace_created", _("Workspace created")
    WORKSPACE_UPDATED = "workspace_updated", _("Workspace settings changed")
    MEMBER_ADDED = "member_added", _("Member added")
    MEMBER_ROLE_CHANGED = "member_role_changed", _("Member's role changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    BOT_CREATED = "bot_created", _("Bot created")
    BOT_UPDATED = "bot_updated", _("Bot settings changed")
    FLOW_SAVED = "flow_saved", _("Flow saved")
    FLOW_IMPORTED = "flow_imported", _("Flow imported")
    VISITOR_DELETED = "visitor_deleted", _("Visitor deleted")
    VISITOR_ANONYMISED = "visitor_anonymised", _("Visitor anonymised")
    VISITORS_EXPIRED = "visitors_expired", _("Archived visitors deleted (retention)")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    OWNERSHIP_HANDED_OVER = "ownership_handed_over", _("Ownership handed over")
    VISITOR_ASSIGNED = "visitor_assigned", _("Conversation assigned")
    VISITORS_BULK = "visitors_bulk", _("Visitors changed in bulk")
    VISITOR_UPDATED = "visitor_updated", _("Visitor's details changed")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    IDENTITY_VERIFICATION_CHANGED = (
        "identity_verification_changed",
        _("Identity verification changed"),
    )
    VISITORS_MERGED = "visitors_merged", _("Visitors merged")


class AuditEntry(models.Model):
    """A change to a workspace's settings, members, bots or visitors' data, kept on record: who,
    what (the action), the details (old and new values where something changed) and when.

    `detail` never holds visitors' personal data: numbers and statuses only, never their names
    or addresses. It is stored as data and worded when read, in the reader's language.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # None: done by the workspace's retention setting or a command on the server.
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-id"], name="audit_recent"),
            models.Index(fields=["workspace", "action", "-id"], name="audit_by_action"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.detail}"


class ApiScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A workspace's credential for `/api/v1/`, made by an owner or admin (`accounts.tokens`).

    The secret is shown once and kept only as its SHA-256 (it is 256 random bits, so a slow hash
    adds nothing). A request with it acts as the member who made it, with that member's role now:
    the token goes when they leave the workspace, and does less if their role is lowered."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    scope = models.CharField(
        _("access"), max_length=5, choices=ApiScope.choices, default=ApiScope.READ
    )
    # The secret's first characters, to tell tokens apart on the page.
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-id"], name="api_token_recent")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def may_write(self) -> bool:
        return self.scope == ApiScope.WRITE
