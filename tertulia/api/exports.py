"""/api/v1/visitors/export: every visitor matching the filters as CSV or XLSX, streamed with the
columns and words of the Visitors page's exports."""

from typing import Literal

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from tertulia.api.auth import may
from tertulia.api.errors import ApiError
from tertulia.api.schemas import Error, VisitorQuery
from tertulia.api.visitors import filters_of
from tertulia.bulk.exports import count_up_to
from tertulia.core import exports
from tertulia.core.streaming import in_request_thread
from tertulia.visitors.exports import ExportLabels, export_chunks, export_filename
from tertulia.visitors.selectors import visitor_matching

router = Router(tags=["Visitors"])

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE = {
    "description": "The file, streamed.",
    "content": {
        CONTENT_TYPES["csv"]: {"schema": {"type": "string"}},
        CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
    },
}


@router.get(
    "/visitors/export",
    response={code: Error for code in (400, 401, 403, 413, 422, 429)},
    openapi_extra={"responses": {200: FILE}},
    summary="Export visitors",
)
def visitor_export(request, query: Query[VisitorQuery], format: Literal["csv", "xlsx"] = "csv"):
    """Every visitor of the tab matching the filters (not only one page), in the list's order.
    XLSX holds up to a sheet's 1,048,575 rows (413 beyond; CSV has no limit)."""
    may(request, "visitors")
    filters = filters_of(request, query).first_page()
    matching = visitor_matching(workspace=request.member.workspace, filters=filters)
    if format == "xlsx" and count_up_to(matching, exports.XLSX_MAX_ROWS) > exports.XLSX_MAX_ROWS:
        raise ApiError(
            413, "too_many_rows", _("Too many rows for one Excel sheet; export CSV instead.")
        )
    labels = ExportLabels.current()
    chunks = export_chunks(format, matching, labels, workspace_id=request.member.workspace_id)
    response = StreamingHttpResponse(in_request_thread(chunks), content_type=CONTENT_TYPES[format])
    filename = export_filename(filters.status, "all", format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
