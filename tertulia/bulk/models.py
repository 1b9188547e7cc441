"""Bulk actions and background exports: which visitors, and how far each has got."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Member, Workspace


class BulkAction(models.TextChoices):
    STATUS = "status", _("Change status")
    ASSIGN = "assign", _("Assign")
    DELETE = "delete", _("Delete")


class BulkState(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class BulkJob(models.Model):
    """Which visitors: the ones picked (`ids`), or all matching a list's filters (`query`, the
    list's query string, read for `member`) up to the newest visitor when it started (`max_id`),
    so visitors arriving meanwhile are left alone. Worked through by id, `last_id` at a time."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    member_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=10, choices=BulkAction.choices)
    # The status, or the member id to assign to ("" to unassign).
    value = models.CharField(max_length=20, blank=True)
    ids = models.JSONField(null=True, blank=True)
    query = models.TextField(blank=True)
    max_id = models.PositiveBigIntegerField(default=0)
    last_id = models.PositiveBigIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=BulkState.choices, default=BulkState.RUNNING)
    created_at = models.DateTimeField(db_default=models.functions.Now())
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.action} {self.value} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel"


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportError(models.TextChoices):
    """Why an export failed, worded for the reader when shown."""

    TOO_MANY_ROWS = "too_many_rows", _("Too many rows for Excel")
    FAILED = "failed", _("The export could not be finished")


class ExportJob(models.Model):
    """ "Export all matching" written to a file by the worker: every visitor matching a list's
    filters (`query`, the list's query string, read for `member` in their `language` and
    `time_zone` as the list showed them), with progress (`done` of `total` rows). Only the member
    who asked may download it; it is deleted `expires_at` (a day later) by the sweep.

    Each run of the job (`attempt`) writes its own partial file and moves it into place when
    done; a run that finds a newer attempt, or the job gone, stops and removes its file."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    fmt = models.CharField(max_length=4, choices=ExportFormat.choices)
    query = models.TextField(blank=True)
    language = models.CharField(max_length=16)
    time_zone = models.CharField(max_length=64)
    # The name the download is offered under.
    filename = models.CharField(max_length=120)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    error = models.CharField(max_length=20, choices=ExportError.choices, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    attempt = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_default=models.functions.Now())
    # When the running attempt last reported progress (a stopped worker's job is taken over).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["member", "-id"], name="export_by_member"),
            models.Index(fields=["expires_at"], name="export_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state}, {self.done}/{self.total})"

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        return 0 if not self.total else min(100, round(100 * self.done / self.total))

    @property
    def working(self) -> bool:
        return self.state in {ExportState.QUEUED, ExportState.RUNNING}
