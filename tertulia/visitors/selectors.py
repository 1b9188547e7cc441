"""Reads for the Visitors page: rows and tab counts from one filter object."""

import math
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from tertulia.accounts.models import Workspace
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.filters import InboxView, VisitorFilters
from tertulia.visitors.models import PageView, Visitor

# The columns the list and the exports read; the rest of a visitor stays in the database.
LIST_COLUMNS = (
    "id",
    "number",
    "name",
    "email",
    "phone",
    "status",
    "country",
    "region",
    "city",
    "engaged",
    "created_at",
    "unread",
    "live_chat",
    "is_preview",
    "waiting_since",
    "last_message_at",
    "last_message_text",
    "assignee",
    "assignee__user__name",
    "assignee__user__email",
)


@dataclass(frozen=True)
class VisitorPage:
    """One page of the list with everything the page shows around it."""

    rows: list[Visitor]
    counts: dict[str, int]
    view_counts: dict[str, int]
    filters: VisitorFilters
    number: int
    num_pages: int

    @property
    def status(self) -> VisitorStatus:
        return VisitorStatus(self.filters.status)

    @property
    def tabs(self) -> list[tuple[VisitorStatus, int]]:
        """Each status tab with its count, in pipeline order."""
        return [(status, self.counts[status.value]) for status in VisitorStatus]

    @property
    def views(self) -> list[tuple[InboxView, int]]:
        """Each view with how many visitors of the current tab it holds under the filters."""
        return [(view, self.view_counts[view.value]) for view in InboxView]

    @property
    def total_all_tabs(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        """Visitors in the current tab that match the filters."""
        return self.counts[self.filters.status]

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.filters.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.rows) - 1 if self.rows else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


def visitor_filtered(*, workspace: Workspace, filters: VisitorFilters) -> QuerySet[Visitor]:
    """All of a workspace's visitors that match the filters, in every status."""
    return filters.apply(Visitor.objects.filter(workspace=workspace))


@dataclass(frozen=True)
class VisitorCounts:
    """How many visitors match the filters, per status tab (in the chosen view) and per view
    (in the chosen tab)."""

    tabs: dict[str, int]
    views: dict[str, int]


def visitor_counts(*, workspace: Workspace, filters: VisitorFilters) -> VisitorCounts:
    """The tab counts and the view counts in one grouped query: per status, how many visitors
    each view holds."""
    grouped = (
        filters.apply(Visitor.objects.filter(workspace=workspace), view=False)
        .order_by()
        .values("status")
        .annotate(
            **{
                view.value: Count("id", filter=view.condition(filters.me) or None)
                for view in InboxView
            }
        )
    )
    by_status = {row["status"]: row for row in grouped}
    tabs = {
        status: by_status.get(status, {}).get(filters.view, 0) for status in VisitorStatus.values
    }
    current = by_status.get(filters.status, {})
    views = {view: current.get(view, 0) for view in InboxView.values}
    return VisitorCounts(tabs=tabs, views=views)


def visitor_tab_counts(*, workspace: Workspace, filters: VisitorFilters) -> dict[str, int]:
    """How many visitors each status tab holds under the filters and the view."""
    return visitor_counts(workspace=workspace, filters=filters).tabs


def visitor_matching(*, workspace: Workspace, filters: VisitorFilters) -> QuerySet[Visitor]:
    """The visitors of the current tab under the filters, in the chosen order."""
    return (
        visitor_filtered(workspace=workspace, filters=filters)
        .filter(status=filters.status)
        .order_by(*filters.ordering)
        .select_related("assignee__user")
        .only(*LIST_COLUMNS)
    )


def visitor_picked(*, workspace: Workspace, ids: list[int]) -> QuerySet[Visitor]:
    """The visitors picked on the list (of this workspace only), newest first."""
    return (
        Visitor.objects.filter(workspace=workspace, pk__in=ids)
        .order_by("-created_at", "-id")
        .select_related("assignee__user")
        .only(*LIST_COLUMNS)
    )


def visitor_list_page(*, workspace: Workspace, filters: VisitorFilters) -> VisitorPage:
    """The rows of the requested page, the tab counts and the view counts (two queries)."""
    counted = visitor_counts(workspace=workspace, filters=filters)
    counts, view_counts = counted.tabs, counted.views
    per_page = filters.per_page
    num_pages = max(1, math.ceil(counts[filters.status] / per_page))
    number = min(filters.page, num_pages)
    offset = (number - 1) * per_page
    rows = list(visitor_matching(workspace=workspace, filters=filters)[offset : offset + per_page])
    return VisitorPage(
        rows=rows,
        counts=counts,
        view_counts=view_counts,
        filters=filters.with_page(number),
        number=number,
        num_pages=num_pages,
    )


def visitor_get(*, workspace: Workspace, visitor_id: int) -> Visitor:
    """One visitor of this workspace; raises Visitor.DoesNotExist for any other."""
    return Visitor.objects.select_related("bot", "assignee__user").get(
        workspace=workspace, pk=visitor_id
    )


def visitor_countries(*, workspace: Workspace) -> list[str]:
    """The country codes present among the workspace's visitors (not test conversations), for
    the filter's select: read from the `visitor_location` index."""
    return list(
        Visitor.objects.filter(workspace=workspace, is_preview=False)
        .exclude(country="")
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


PAGES_SHOWN = 15


def visitor_page_views(*, visitor: Visitor, limit: int = PAGES_SHOWN) -> list[PageView]:
    """The pages the visitor viewed, newest first (the first one is where they are now)."""
    return list(PageView.objects.filter(visitor=visitor).order_by("-id")[:limit])
