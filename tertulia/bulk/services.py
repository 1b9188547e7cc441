"""Bulk actions on visitors: change the status, assign, or delete the visitors picked on the list
or all those matching its filters.

Every visitor goes through the same service as one by hand (the status's history line and system
line, the assignment's line), quietly: the dashboards hear one `visitors.bulk_changed` at the end
and the audit log gets one entry for the whole action. Up to `INLINE_LIMIT` visitors are done in
the request; more run as a background task, `BATCH` visitors per transaction, with progress kept
on the job.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.accounts.models import AuditAction, Member
from tertulia.accounts.selectors import member_in
from tertulia.accounts.services import audit
from tertulia.bulk.models import BulkAction, BulkJob, BulkState
from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.services import visitor_set_status
from tertulia.privacy.services import visitors_delete_batch
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.filters import VisitorFilters
from tertulia.visitors.models import Visitor
from tertulia.visitors.selectors import visitor_filtered

INLINE_LIMIT = 200
BATCH = 200
# The most rows one may pick on the list.
PICKED_MAX = 500


def bulk_start(
    *, member: Member, action: str, value: str, ids: list[int] | None, query: str
) -> BulkJob:
    """Check the action and create its job: `ids` picked on the list, or (None) every visitor
    matching the list's query string. Small jobs are done at once; call `bulk_run` for the rest
    (the view queues it). Raises Visitor.DoesNotExist when a picked id is not the workspace's."""
    if action not in BulkAction.values:
        raise ValidationError(_("Choose what to do."), code="action")
    if action == BulkAction.DELETE and not member.can("privacy"):
        raise PermissionDenied(_("Only owners and admins can delete visitors."))
    if action == BulkAction.STATUS and value not in VisitorStatus.values:
        raise ValidationError(_("Unknown status."), code="status")
    if (
        action == BulkAction.ASSIGN
        and value
        and member_in(workspace_id=member.workspace_id, member_id=value) is None
    ):
        raise ValidationError(_("No such member in this workspace."), code="member")
    if ids is not None and not 0 < len(ids) <= PICKED_MAX:
        raise ValidationError(_("Pick at least one visitor."), code="none")
    job = BulkJob(
        workspace_id=member.workspace_id,
        actor=member.user,
        member_id=member.pk,
        action=action,
        value=value,
        ids=ids,
        query=query if ids is None else "",
    )
    chosen = _chosen(job)
    job.max_id = chosen.order_by("-pk").values_list("pk", flat=True).first() or 0
    job.total = chosen.count()
    if ids is not None and job.total != len(ids):
        raise Visitor.DoesNotExist("Not every visitor picked is in this workspace.")
    job.save()
    if job.total <= INLINE_LIMIT:
        bulk_run(job_id=job.pk)
        job.refresh_from_db()
    return job


def bulk_run(*, job_id: int) -> BulkJob:
    """Work through a job batch by batch (each its own transaction, so progress shows and a
    stopped worker resumes where it was); at the end, one audit entry and one event."""
    job = BulkJob.objects.select_related("workspace").get(pk=job_id)
    while job.state == BulkState.RUNNING:
        with transaction.atomic():
            job = BulkJob.objects.select_for_update().get(pk=job_id)
            if job.state != BulkState.RUNNING:  # another worker finished it meanwhile
                break
            batch = list(
                _chosen(job).filter(pk__gt=job.last_id, pk__lte=job.max_id).order_by("pk")[:BATCH]
            )
            if not batch:
                _finish(job)
                break
            _apply(job, batch)
            job.done += len(batch)
            job.last_id = batch[-1].pk
            job.save(update_fields=["done", "last_id"])
    return job


def _chosen(job: BulkJob):
    """The job's visitors, whatever their status now (the filters minus the status tab)."""
    visitors = Visitor.objects.filter(workspace_id=job.workspace_id)
    if job.ids is not None:
        return visitors.filter(pk__in=job.ids)
    filters, _errors = VisitorFilters.from_query(QueryDict(job.query))
    filters = filters.seen_by(job.member_id)
    return visitor_filtered(workspace=job.workspace, filters=filters).filter(status=filters.status)


def _apply(job: BulkJob, batch: list[Visitor]) -> None:
    match job.action:
        case BulkAction.STATUS:
            for visitor in batch:
                visitor_set_status(visitor=visitor, status=job.value, actor=job.actor, quiet=True)
        case BulkAction.ASSIGN:
            assignee = (
                member_in(workspace_id=job.workspace_id, member_id=job.value) if job.value else None
            )
            for visitor in batch:
                visitor_assign(visitor=visitor, assignee=assignee, actor=job.actor, quiet=True)
        case BulkAction.DELETE:
            visitors_delete_batch(workspace_id=job.workspace_id, ids=[v.pk for v in batch])


def _finish(job: BulkJob) -> None:
    job.state, job.finished_at = BulkState.DONE, timezone.now()
    job.save(update_fields=["state", "finished_at"])
    audit(
        workspace_id=job.workspace_id,
        actor=job.actor,
        action=AuditAction.VISITORS_BULK,
        bulk=job.action,
        value=job.value,
        count=job.done,
    )
    publish_on_commit(
        workspace_id=job.workspace_id,
        event=events.VISITORS_BULK_CHANGED,
        data={"action": job.action, "count": job.done},
    )
