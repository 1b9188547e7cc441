"""The visitor: one person who opened a bot's widget."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Member, Workspace
from tertulia.core.languages import supported_language
from tertulia.visitors.choices import DeviceType, LiveChat, VisitorStatus
from tertulia.visitors.text import digits, search_text_for

# How a visitor who has not given a name is shown.
UNNAMED = _("Visitor #%(number)s")
# How much of the last message the list keeps.
PREVIEW_MAX = 200


class Visitor(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="visitors")
    # The bot whose widget the visitor opened (bots sit above visitors: named, not imported).
    bot = models.ForeignKey(
        "flows.Bot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    number = models.PositiveBigIntegerField(_("number"))

    # Contact details; empty until the visitor gives them (name is NULL so unnamed sort last).
    name = models.CharField(_("name"), max_length=200, null=True, blank=True)  # noqa: DJ001
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)  # E.164 when it parses
    phone_digits = models.CharField(max_length=32, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=16, choices=VisitorStatus.choices, default=VisitorStatus.NEW
    )
    # When the status last changed (retention counts from when a visitor was archived).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    engaged = models.BooleanField(_("engaged"), default=False)
    message_count = models.PositiveIntegerField(_("messages"), default=0)

    # Location: ISO 3166-1 alpha-2 country code, localized at display.
    country = models.CharField(_("country"), max_length=2, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)

    # Device and visit.
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(blank=True)
    browser = models.CharField(_("browser"), max_length=80, blank=True)
    os = models.CharField(_("operating system"), max_length=80, blank=True)
    device_type = models.CharField(
        _("device"), max_length=10, choices=DeviceType.choices, blank=True
    )
    # The browser's languages in its order of preference: "es-ES, es, en".
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    screen = models.CharField(_("screen"), max_length=20, blank=True)  # "1920x1080"
    referrer = models.TextField(_("referrer"), blank=True)
    landing_page = models.TextField(_("landing page"), blank=True)
    # utm_source, utm_medium, utm_campaign, utm_term, utm_content of the landing page.
    utm = models.JSONField(_("campaign"), default=dict, blank=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    # Who the site says this person is, from the widget's `identify` (nullable, so adding it to
    # a large table does not rewrite the table); verified when the site's backend signed it.
    external_id = models.CharField(_("user ID"), max_length=200, null=True, blank=True)  # noqa: DJ001
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)

    # The widget: the hash of the token the visitor's browser keeps (other browsers that
    # continue this visitor are `VisitorToken`s), and where it is in the flow.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    flow_cursor = models.JSONField(default=dict, blank=True)
    # Live chat: requested by the flow or taken by a member; the bot is paused meanwhile.
    live_chat = models.CharField(
        _("live chat"), max_length=10, choices=LiveChat.choices, blank=True, default=""
    )
    # Since when the visitor waits for a person: the flow asked and no member answered yet.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    # The member whose conversation this is (none: unassigned). A removed member's go back.
    assignee = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last message the bot, the visitor or an agent wrote (`Message.preview`), for the list.
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_message_text = models.CharField(max_length=PREVIEW_MAX, blank=True)
    # Started from the flow editor's "Try it" by a member: a test conversation, kept out of the
    # list and its counts unless asked for.
    is_preview = models.BooleanField(_("test conversation"), default=False)
    # Visitor messages no member has read yet.
    unread = models.PositiveIntegerField(default=0)

    # When the widget was first opened, which is when the conversation starts.
    created_at = models.DateTimeField(_("created"), db_default=models.functions.Now())
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # Set when a member removed the visitor's personal data and kept the conversation.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # Set when the visitor followed "stop e-mails about this chat".
    emails_stopped_at = models.DateTimeField(_("e-mails stopped"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="visitor_number_unique"),
            # A verified user ID is one person: every browser where they identify continues
            # the same visitor of that bot.
            models.UniqueConstraint(
                fields=["bot", "external_id"],
                condition=models.Q(identity_verified_at__isnull=False),
                name="visitor_verified_identity_unique",
            ),
        ]
        # The list's indexes start with the workspace and whether these are test conversations
        # (always an equality), so the list and its counts read them without the rows.
        indexes = [
            # The list: one status tab, newest or oldest first (id breaks ties).
            models.Index(
                fields=["workspace", "is_preview", "status", "created_at", "id"],
                name="visitor_tab_date",
            ),
            # The list sorted by name.
            models.Index(
                fields=["workspace", "is_preview", "status", "name", "id"], name="visitor_tab_name"
            ),
            # The list sorted by last activity.
            models.Index(
                fields=["workspace", "is_preview", "status", "last_message_at", "id"],
                name="visitor_tab_activity",
            ),
            # Mine, Unassigned (assignee NULL) and the assignee filter, newest first. It ends
            # with `waiting_since`, so the tab and view counts read this index without the rows.
            models.Index(
                fields=[
                    "workspace",
                    "is_preview",
                    "status",
                    "assignee",
                    "created_at",
                    "id",
                    "waiting_since",
                ],
                name="visitor_tab_assignee",
            ),
            # Waiting for a person, oldest first.
            models.Index(
                fields=["workspace", "is_preview", "status", "waiting_since", "id"],
                name="visitor_tab_waiting",
                condition=models.Q(waiting_since__isnull=False),
            ),
            # Date range across tabs (the tab counts) and location filters. Contains-searches on
            # name, e-mail, phone and the search box use trigram indexes on PostgreSQL (migration).
            models.Index(
                fields=["workspace", "is_preview", "created_at", "status"], name="visitor_started"
            ),
            models.Index(
                fields=["workspace", "is_preview", "country", "region", "city"],
                name="visitor_location",
            ),
            models.Index(fields=["workspace", "is_preview", "phone_digits"], name="visitor_phone"),
            # Retention: archived visitors by when they were archived.
            models.Index(
                fields=["workspace", "status", "status_changed_at"], name="visitor_status_since"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.refresh_search_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "phone_digits", "search_text"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The visitor's name, or "Visitor #N" when none was given."""
        return self.name or UNNAMED % {"number": self.number}

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None

    @property
    def chat_language(self) -> str:
        """The language the visitor's chat speaks: the bot's, else their browser's first."""
        if self.bot_id and self.bot.language:
            return self.bot.language
        return supported_language((self.languages or "").split(",")[0])

    @property
    def status_choice(self) -> VisitorStatus:
        return VisitorStatus(self.status)

    def refresh_search_fields(self) -> None:
        """Recompute the derived columns that filters and search read."""
        self.phone_digits = digits(self.phone)
        self.search_text = search_text_for(self.name, self.email, self.phone_digits)


class VisitorToken(models.Model):
    """Another browser that continues this visitor: one where the same verified user identified,
    or the browser of a visitor merged into this one."""

    token_hash = models.CharField(max_length=64, unique=True)
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="tokens")
    created_at = models.DateTimeField(db_default=models.functions.Now())

    def __str__(self) -> str:
        return f"token of visitor {self.visitor_id}"


class PageView(models.Model):
    """A page of the site the visitor was on while the widget was loaded."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="page_views")
    url = models.TextField()
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        indexes = [models.Index(fields=["visitor", "id"], name="page_view_by_visitor")]

    def __str__(self) -> str:
        return self.url


class VisitorCount(models.Model):
    """How many visitors a workspace has in each status, per assignee and whether they wait for
    a person: the tab and view counts without counting rows. Database triggers keep it on every
    insert, update and delete of a visitor, whichever code runs it (`counts.TRIGGERS`);
    `tertulia recount` rebuilds it from the visitors."""

    # No constraint: a deleted workspace's visitors and these rows go in either order.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    is_preview = models.BooleanField()
    status = models.CharField(max_length=16, choices=VisitorStatus.choices)
    # The assignee's member id, 0 for nobody (so that the unique key holds on every database).
    assignee = models.BigIntegerField()
    waiting = models.BooleanField()
    visitors = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "is_preview", "status", "assignee", "waiting"],
                name="visitor_count_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status}: {self.visitors}"


class VisitorCountry(models.Model):
    """How many visitors (not test conversations) a workspace has from each country: the
    country filter's choices. Kept by the same triggers as `VisitorCount`."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    country = models.CharField(max_length=2)
    visitors = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "country"], name="visitor_country_key")
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.visitors}"
