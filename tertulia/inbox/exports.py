"""Exports of the Visitors page: the current page, the rows picked, or every row matching the
filters, as CSV or Excel. The page and the rows picked stream at once, and so does "all
matching" up to a few thousand rows; more are written in the background (`bulk.exports`) with
progress on the page and a download link when ready."""

import asyncio
from urllib.parse import urlencode

from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tertulia.accounts.decorators import member_required
from tertulia.bulk import exports as background
from tertulia.bulk.models import ExportJob
from tertulia.bulk.tasks import run_export_job
from tertulia.core import exports
from tertulia.core.streaming import in_request_thread
from tertulia.inbox.views import _bad_request, picked_ids
from tertulia.visitors import selectors
from tertulia.visitors.exports import FORMATS, ExportLabels, export_chunks, export_filename
from tertulia.visitors.filters import VisitorFilters

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Where the Visitors page remembers the member's exports, so it shows them again.
SESSION_KEY = "exports"
_FILE_CHUNK = 256 * 1024


def _list_query(source: QueryDict) -> QueryDict:
    """The list's query string: the bulk bar and the export menu send it as one `query`."""
    if "query" in source:
        return QueryDict(source["query"].lstrip("?"))
    return source


@require_GET
@member_required
def visitor_export(request, fmt: str):
    """Exactly the rows of the current page, with scope=all every row matching the filters
    (when there are few enough to stream), or the rows picked (`ids`)."""
    if fmt not in FORMATS:
        raise Http404(_("Unknown export format."))
    source = _list_query(request.GET)
    filters, _errors = VisitorFilters.from_query(source)
    filters = filters.seen_by(request.member.pk)
    workspace = request.member.workspace
    export_all = request.GET.get("scope") == "all"
    picked = request.GET.getlist("ids")
    labels = ExportLabels.current()
    if picked and not export_all:
        ids = picked_ids(picked)
        if ids is None:
            return _bad_request(_("Those are not visitors of this list."))
        rows = selectors.visitor_picked(workspace=workspace, ids=ids)
        scope = "picked"
    elif export_all:
        matching = selectors.visitor_matching(workspace=workspace, filters=filters)
        total = background.count_up_to(matching, background.IMMEDIATE_MAX)
        if total > background.IMMEDIATE_MAX:
            return _large(request, fmt, source)
        if fmt == "xlsx" and total > exports.XLSX_MAX_ROWS:
            return _refused(request, total, source)
        rows = matching
        scope = "all"
    else:
        page = selectors.visitor_list_page(workspace=workspace, filters=filters)
        filters = page.filters
        rows = selectors.visitor_matching(workspace=workspace, filters=filters).filter(
            pk__in=[visitor.pk for visitor in page.rows]
        )
        scope = "page"
    chunks = export_chunks(fmt, rows, labels, workspace_id=workspace.pk)
    response = StreamingHttpResponse(in_request_thread(chunks), content_type=CONTENT_TYPES[fmt])
    filename = export_filename(filters.status, scope, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refused(request, total: int, source: QueryDict):
    query = source.copy()
    query["scope"] = "all"
    context = {"total": total, "limit": exports.XLSX_MAX_ROWS, "csv_query": query.urlencode()}
    return render(request, "visitors/export_refused.html", context, status=413)


def _large(request, fmt: str, source: QueryDict):
    """More rows than stream at once: offer to prepare the file in the background."""
    query = source.copy()
    query.pop("scope", None)
    context = {"fmt": fmt, "query": query.urlencode(), "limit": background.IMMEDIATE_MAX}
    return render(request, "visitors/export_large.html", context)


@require_POST
@member_required
def visitor_export_start(request):
    """ "Export all matching": a few thousand rows download at once (the same GET as before);
    more start a background export, whose progress the page then shows."""
    fmt = request.POST.get("fmt", "")
    if fmt not in FORMATS:
        return _bad_request(_("Choose Excel or CSV."))
    query = request.POST.get("query", "").lstrip("?")
    source = QueryDict(query, mutable=True)
    for name in ("scope", "page", "after", "before", "start", "open", "panel", "ids", "query"):
        source.pop(name, None)
    query = source.urlencode()
    matching = background.matching(
        workspace=request.member.workspace, member_id=request.member.pk, query=query
    )
    if background.count_up_to(matching, background.IMMEDIATE_MAX) <= background.IMMEDIATE_MAX:
        url = f"{reverse('visitors:export', args=[fmt])}?{urlencode({'query': query, 'scope': 'all'})}"
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    job = background.export_start(member=request.member, fmt=fmt, query=query)
    transaction.on_commit(lambda: run_export_job.enqueue(job.pk))
    shown = [job.pk, *request.session.get(SESSION_KEY, [])][: background.SHOWN]
    request.session[SESSION_KEY] = shown
    if not request.htmx:
        return redirect("visitors:export_job", job_id=job.pk)
    return render(request, "visitors/_export_job.html", {"job": job})


@require_GET
@member_required
def visitor_exports(request):
    """The member's exports still kept (the Visitors page loads them when it has some)."""
    jobs = background.member_exports(member=request.member)
    request.session[SESSION_KEY] = [job.pk for job in jobs]
    return render(request, "visitors/_export_jobs.html", {"jobs": jobs})


def _own_job(request, job_id: int) -> ExportJob:
    try:
        return background.member_export(member=request.member, job_id=job_id)
    except ExportJob.DoesNotExist:
        raise Http404(_("No such export.")) from None


@require_GET
@member_required
def visitor_export_job(request, job_id: int):
    """How far an export has got (polled every second while it runs), then its link. Polling
    an export that is gone (removed in another tab) stops it: htmx's 286."""
    if request.htmx and not ExportJob.objects.filter(pk=job_id, member=request.member).exists():
        return HttpResponse("", status=286)
    job = _own_job(request, job_id)
    if request.htmx:
        return render(request, "visitors/_export_job.html", {"job": job})
    return render(request, "visitors/export_job.html", {"job": job})


@require_POST
@member_required
def visitor_export_dismiss(request, job_id: int):
    """Delete an export and its file before the day is out."""
    background.export_delete(job=_own_job(request, job_id))
    request.session[SESSION_KEY] = [n for n in request.session.get(SESSION_KEY, []) if n != job_id]
    if request.htmx:
        return HttpResponse("")
    return redirect("visitors:list")


@require_GET
@member_required
def visitor_export_download(request, job_id: int):
    """The finished file, for the member who asked only."""
    job = _own_job(request, job_id)
    path = background.export_file(job)
    if path is None:
        raise Http404(_("This export is not ready, or no longer kept."))
    handle = path.open("rb")
    response = StreamingHttpResponse(_read(handle), content_type=CONTENT_TYPES[job.fmt])
    response["Content-Length"] = str(job.size)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


async def _read(handle):
    """A file in chunks, read off the event loop."""
    try:
        while chunk := await asyncio.to_thread(handle.read, _FILE_CHUNK):
            yield chunk
    finally:
        handle.close()
