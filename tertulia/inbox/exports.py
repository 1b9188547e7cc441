"""Exports of the Visitors page: the current page, the rows picked, or every row matching the
filters, as CSV or Excel."""

from django.http import Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tertulia.accounts.decorators import member_required
from tertulia.core import exports
from tertulia.core.streaming import in_request_thread
from tertulia.inbox.views import _bad_request, picked_ids
from tertulia.visitors import selectors
from tertulia.visitors.exports import ExportLabels, export_rows
from tertulia.visitors.filters import VisitorFilters

EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", exports.csv_chunks),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.xlsx_chunks,
    ),
}


@require_GET
@member_required
def visitor_export(request, fmt: str):
    """Exactly the rows of the current page, with scope=all every row matching the filters, or
    the rows picked (`ids`). The bulk bar sends the list's filters as one `query` parameter."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Unknown export format."))
    source = request.GET
    if "query" in source:
        source = QueryDict(source["query"].lstrip("?"))
    filters, _errors = VisitorFilters.from_query(source)
    filters = filters.seen_by(request.member.pk)
    workspace = request.member.workspace
    export_all = request.GET.get("scope") == "all"
    picked = request.GET.getlist("ids")
    if picked and not export_all:
        ids = picked_ids(picked)
        if ids is None:
            return _bad_request(_("Those are not visitors of this list."))
        visitors = selectors.visitor_picked(workspace=workspace, ids=ids)
    elif export_all:
        total = selectors.visitor_tab_counts(workspace=workspace, filters=filters)[filters.status]
        if fmt == "xlsx" and total > exports.XLSX_MAX_ROWS:
            return render(
                request,
                "visitors/export_refused.html",
                {
                    "total": total,
                    "limit": exports.XLSX_MAX_ROWS,
                    "csv_query": source.urlencode(),
                },
                status=413,
            )
        visitors = selectors.visitor_matching(workspace=workspace, filters=filters).iterator(
            chunk_size=2000
        )
    else:
        page = selectors.visitor_list_page(workspace=workspace, filters=filters)
        filters, visitors = page.filters, page.rows
    content_type, writer = EXPORT_FORMATS[fmt]
    labels = ExportLabels.current()
    chunks = writer(labels.headers, export_rows(visitors, labels))
    response = StreamingHttpResponse(in_request_thread(chunks), content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    scope = "all" if export_all else "picked" if picked else "page"
    response["Content-Disposition"] = (
        f'attachment; filename="visitors-{filters.status}-{scope}-{stamp}.{fmt}"'
    )
    return response
