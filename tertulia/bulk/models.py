"""A bulk action: what it does to which visitors, and how far it has got."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tertulia.accounts.models import Workspace


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
