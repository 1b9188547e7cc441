"""Bulk actions from the Visitors list: the visitors picked, or all matching the filters."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tertulia.accounts.decorators import member_required
from tertulia.bulk.models import BulkJob, BulkState
from tertulia.bulk.services import bulk_start
from tertulia.bulk.tasks import run_bulk_job
from tertulia.inbox.views import HX_REFRESH_LIST, picked_ids
from tertulia.visitors.models import Visitor


@require_POST
@member_required
def visitors_bulk(request):
    """`do` is "status:<status>", "assign:<member id or empty>" or "delete:"; `scope=all` acts
    on every visitor matching `query` (the list's query string), else on the `ids` checked."""
    action, _sep, value = request.POST.get("do", "").partition(":")
    query = request.POST.get("query", "").lstrip("?")
    ids = None if request.POST.get("scope") == "all" else picked_ids(request.POST.getlist("ids"))
    try:
        if ids is None and request.POST.get("scope") != "all":
            raise ValidationError(_("Pick visitors by their boxes first."))
        job = bulk_start(member=request.member, action=action, value=value, ids=ids, query=query)
    except ValidationError as error:
        return _answer(request, None, error=" ".join(error.messages), query=query, status=400)
    except Visitor.DoesNotExist:
        raise Http404(_("No such visitor.")) from None
    if job.state == BulkState.RUNNING:
        transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return _answer(request, job, query=query)


@require_GET
@member_required
def visitors_bulk_progress(request, job_id: int):
    """How far a bulk action has got (polled by the list while it runs)."""
    job = get_object_or_404(BulkJob, pk=job_id, workspace_id=request.member.workspace_id)
    return _answer(request, job)


def _answer(request, job, *, error: str = "", query: str = "", status: int = 200):
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif job is not None:
            messages.success(request, _progress_text(job))
        return redirect(f"{reverse('visitors:list')}?{query}" if query else "visitors:list")
    response = render(
        request, "visitors/_bulk_progress.html", {"job": job, "error": error}, status=status
    )
    if job is not None and job.state == BulkState.DONE:
        response["HX-Trigger"] = HX_REFRESH_LIST
    return response


def _progress_text(job: BulkJob) -> str:
    if job.state == BulkState.DONE:
        return _("Done: %(count)s visitors.") % {"count": job.done}
    return _("Working on %(total)s visitors in the background.") % {"total": job.total}
