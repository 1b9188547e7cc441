"""Reads for the Visitors page: rows and tab counts from one filter object."""

import hashlib
import random
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from tertulia.accounts.models import Member, Workspace
from tertulia.core.budget import OverBudget, within
from tertulia.visitors import counts
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.filters import DEFAULTS, FILTER_FIELDS, InboxView, VisitorFilters
from tertulia.visitors.models import PageView, Visitor
from tertulia.visitors.paging import keyset_rows

# The columns the list and the exports read; the rest of a visitor stays in the database.
ROW_COLUMNS = (
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
    "identity_verified_at",
)
LIST_COLUMNS = (*ROW_COLUMNS, "assignee__user__name", "assignee__user__email")


class About(int):
    """A count estimated from a sample of the visitors (rounded to two figures): "about N"."""


def exact(count: int | None) -> bool:
    """Whether a count was counted (not estimated, not left out)."""
    return count is not None and not isinstance(count, About)


@dataclass(frozen=True)
class VisitorCounts:
    """How many visitors match the filters, per status tab (in the chosen view) and per view
    (in the chosen tab). With filters each count stops past `cap`: a count above it means
    "more than `cap`" (None: exact counts). When counting took too long a count is an `About`
    estimate, or None when even that could not be told."""

    tabs: dict[str, int | None]
    views: dict[str, int | None]
    cap: int | None = None


@dataclass(frozen=True)
class VisitorPage:
    """One page of the list with everything the page shows around it."""

    rows: list[Visitor]
    counts: VisitorCounts
    filters: VisitorFilters
    has_previous: bool
    has_next: bool

    @property
    def status(self) -> VisitorStatus:
        return VisitorStatus(self.filters.status)

    @property
    def tabs(self) -> list[tuple[VisitorStatus, int]]:
        """Each status tab with its count, in pipeline order."""
        return [(status, self.counts.tabs[status.value]) for status in VisitorStatus]

    @property
    def views(self) -> list[tuple[InboxView, int]]:
        """Each view with how many visitors of the current tab it holds under the filters."""
        return [(view, self.counts.views[view.value]) for view in InboxView]

    @property
    def total(self) -> int:
        """Visitors in the current tab that match the filters."""
        return self.counts.tabs[self.filters.status]

    @property
    def total_known(self) -> bool:
        cap = self.counts.cap
        return exact(self.total) and (cap is None or self.total <= cap)

    @property
    def total_estimated(self) -> bool:
        return isinstance(self.total, About)

    @property
    def any_visitors(self) -> bool:
        """Whether any tab holds anyone under the filters (else the page says how to start)."""
        return any(n is None or n > 0 for n in self.counts.tabs.values())

    @property
    def start_index(self) -> int:
        return self.filters.start if self.rows else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.rows) - 1 if self.rows else 0

    @property
    def next_cursor(self) -> str:
        return self.filters.order.cursor(self.rows[-1]) if self.rows else ""

    @property
    def previous_cursor(self) -> str:
        return self.filters.order.cursor(self.rows[0]) if self.rows else ""

    @property
    def next_start(self) -> int:
        return self.end_index + 1

    @property
    def previous_start(self) -> int:
        return max(1, self.start_index - self.filters.per_page)


def visitor_filtered(*, workspace: Workspace, filters: VisitorFilters) -> QuerySet[Visitor]:
    """All of a workspace's visitors that match the filters, in every status."""
    return filters.apply(Visitor.objects.filter(workspace=workspace))


# Beyond this many, a filtered count stops and says "more than"; and it never takes longer
# than this (past it, the tabs show an estimate rather than make the page wait).
COUNT_CAP = 1000
COUNT_BUDGET_MS = 10
# The estimate: the filters counted among 1,000 visitors (runs of consecutive numbers picked
# at random), within its own budget, shown only where the sample holds 20 matches or more (at
# 1,000,000 visitors the estimates were off by 13 % in the median, 43 % at worst:
# bench/visitors_page.py). More runs were closer but cost twice the time.
SAMPLE_WINDOWS = 20
SAMPLE_WIDTH = 50
SAMPLE_MATCHES_MIN = 20
SAMPLE_BUDGET_MS = 10
# Too few matches for an estimate can still tell "more than COUNT_CAP" (see `_told`).
SAMPLE_ABOVE_CAP = 4
# In a workspace that has had more visitors than this, a count under filters is estimated
# first (a count would mostly run out of time), and counted only where the sample holds too
# few matches to tell.
SAMPLE_FIRST_ABOVE = 50_000
# What the maintained counts can answer (the rest are filters that read visitors).
COUNTED_FIELDS = {"assignee", "preview"}
# In a large workspace, counting what the sample could not tell that ran past its budget under
# some filters is not tried again for this long: the list refreshes on every change in the
# workspace, and each refresh would pay the budget again for the same "…" or estimate.
SLOW_COUNT_SECONDS = 60


# Each count the page shows: a status tab in the chosen view, a view in the chosen tab.
COUNT_NAMES = (
    *(f"tab_{s}" for s in VisitorStatus.values),
    *(f"view_{v}" for v in InboxView.values),
)


def _in_view(view: InboxView, *, me: int | None, assignee: int, waiting: bool) -> bool:
    match view:
        case InboxView.MINE:
            return me is not None and assignee == me
        case InboxView.UNASSIGNED:
            return assignee == 0
        case InboxView.WAITING:
            return waiting
    return True


def _tally(rows, filters: VisitorFilters) -> dict[str, int]:
    """(status, assignee id or 0, waiting, visitors) rows added up into each status tab in the
    chosen view ("tab_new", ...) and each view in the chosen tab ("view_mine", ...)."""
    counted = dict.fromkeys(COUNT_NAMES, 0)
    for status, assignee, waiting, visitors in rows:
        for view in InboxView:
            if _in_view(view, me=filters.me, assignee=assignee, waiting=waiting):
                if view == filters.view and f"tab_{status}" in counted:
                    counted[f"tab_{status}"] += visitors
                if status == filters.status:
                    counted[f"view_{view}"] += visitors
    return counted


def _conditions(filters: VisitorFilters) -> dict[str, Q]:
    """Each count the page shows, as the condition it counts (besides the filters)."""
    in_view = InboxView(filters.view).condition(filters.me)
    return {
        **{f"tab_{s}": Q(status=s) & in_view for s in VisitorStatus.values},
        **{f"view_{v}": Q(status=filters.status) & v.condition(filters.me) for v in InboxView},
    }


def _as_counts(counted: dict, *, capped: bool = True) -> VisitorCounts:
    return VisitorCounts(
        tabs={s: counted[f"tab_{s}"] for s in VisitorStatus.values},
        views={v: counted[f"view_{v}"] for v in InboxView.values},
        cap=COUNT_CAP if capped else None,
    )


def _counters(workspace: Workspace, filters: VisitorFilters) -> list[tuple[str, int, bool, int]]:
    """The maintained counts, test conversations or not as the filters say."""
    return counts.counted(workspace_id=workspace.pk, preview=filters.preview)


def _tally_counters(counters: list, filters: VisitorFilters) -> dict[str, int]:
    """The maintained counts of every count the page shows, under the assignee filter."""
    return _tally([r for r in counters if filters.assignee in (None, r[1])], filters)


def _maintained_counts(*, workspace: Workspace, filters: VisitorFilters) -> VisitorCounts:
    """From `VisitorCount`: exact, whatever the workspace's size."""
    return _as_counts(_tally_counters(_counters(workspace, filters), filters), capped=False)


def _capped_counts(*, workspace: Workspace, filters: VisitorFilters) -> VisitorCounts:
    """Under filters, within COUNT_BUDGET_MS, past which they are estimated. A workspace of
    up to SAMPLE_FIRST_ABOVE visitors is counted exactly, in one grouped query. A larger one
    is sampled first, and only the counts the sample cannot tell (too few matches in it) are
    counted, each reading at most COUNT_CAP + 1 matching rows. A count whose maintained count
    is 0 is 0 without reading visitors (the filters only narrow it)."""
    counters = _counters(workspace, filters)
    empty = {name for name, n in _tally_counters(counters, filters).items() if n == 0}
    zeros = dict.fromkeys(empty, 0)
    conditions = {name: when for name, when in _conditions(filters).items() if name not in empty}
    population = sum(n for *_group, n in counters)
    if workspace.visitor_seq <= SAMPLE_FIRST_ABOVE:  # visitors it ever had, as it was loaded
        try:
            return _as_counts(_counted(workspace, filters) if conditions else zeros, capped=False)
        except OverBudget:
            return _as_counts(_estimated(workspace, filters, population) | zeros)
    estimated = _estimated(workspace, filters, population)
    rest = {name: when for name, when in conditions.items() if estimated[name] is None}
    return _as_counts(estimated | _counted_unless_slow(workspace, filters, rest) | zeros)


def _grouped(visitors: QuerySet, *more) -> QuerySet:
    """Visitors grouped as the maintained counts are: (status, assignee id or 0, waiting,
    *more, visitors) rows."""
    return (
        visitors.values_list(
            "status", Coalesce("assignee_id", 0), Q(waiting_since__isnull=False), *more
        )
        .annotate(visitors=Count("id"))
        .order_by()
    )


def _counted(workspace: Workspace, filters: VisitorFilters) -> dict[str, int]:
    """Every count the page shows, exactly, from one grouped read of the matching visitors;
    raises OverBudget past COUNT_BUDGET_MS."""
    matching = filters.apply(Visitor.objects.filter(workspace=workspace), view=False)
    with within(COUNT_BUDGET_MS):
        return _tally(list(_grouped(matching)), filters)


def _counted_unless_slow(workspace: Workspace, filters: VisitorFilters, conditions: dict) -> dict:
    """The conditions counted up to the cap; none past the budget, now or in the last
    SLOW_COUNT_SECONDS under the same filters (then not tried again)."""
    slow = f"visitors:slow-count:{workspace.pk}:{_filters_key(filters)}"
    if cache.get(slow):
        return {}
    try:
        return _counted_up_to_cap(workspace, filters, conditions)
    except OverBudget:
        cache.set(slow, True, SLOW_COUNT_SECONDS)
        return {}


def _filters_key(filters: VisitorFilters) -> str:
    """What the counts depend on (not the order or the page), as a short cache key."""
    counted = (
        filters.status,
        filters.view,
        filters.me,
        *(getattr(filters, name) for name in FILTER_FIELDS),
    )
    return hashlib.sha256(repr(counted).encode()).hexdigest()[:32]


def _counted_up_to_cap(workspace: Workspace, filters: VisitorFilters, conditions: dict) -> dict:
    """Each condition's matches, up to COUNT_CAP + 1; raises OverBudget past COUNT_BUDGET_MS."""
    if not conditions:  # every count was 0 in the maintained counts
        return {}
    matching = filters.apply(Visitor.objects.filter(workspace=workspace), view=False).order_by()
    parts, params = [], []
    for condition in conditions.values():
        first = matching.filter(condition).values("id")[: COUNT_CAP + 1]
        try:
            sql, part_params = first.query.sql_with_params()
        except EmptyResultSet:  # a condition that holds for nobody
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS sample)")  # noqa: S608
        params.extend(part_params)
    with within(COUNT_BUDGET_MS), connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return dict(zip(conditions, cursor.fetchone(), strict=True))


def _estimated(
    workspace: Workspace, filters: VisitorFilters, population: int
) -> dict[str, About | None]:
    """Each count estimated from a sample, read in one query: SAMPLE_WINDOWS runs of
    SAMPLE_WIDTH consecutive visitor numbers, on the unique index of (workspace, number),
    grouped as the maintained counts are, with whether each matches the filters. Visitor
    numbers follow arrival, so the runs span the workspace's history; they start at the same
    places every time while the workspace does not grow (its id is the seed), so a list that
    refreshes does not see its counts jump. `population`: the visitors the sample stands for
    (test conversations or not, as the filters say)."""
    unknown = dict.fromkeys(COUNT_NAMES)
    last = workspace.visitor_seq
    starts = random.Random(workspace.pk).sample(
        range(1, max(2, last - SAMPLE_WIDTH + 2)),
        min(SAMPLE_WINDOWS, max(1, last // SAMPLE_WIDTH)),
    )
    runs = Q()
    for first in starts:
        runs |= Q(number__gte=first, number__lt=first + SAMPLE_WIDTH)
    # Only the workspace and the runs narrow the read (so the number index serves it); test
    # conversations are told apart after.
    sample = _grouped(
        Visitor.objects.filter(workspace=workspace).filter(runs),
        "is_preview",
        filters.condition(view=False),
    )
    try:
        with within(SAMPLE_BUDGET_MS):
            groups = list(sample)
    except OverBudget:
        return unknown
    seen = sum(n for *_group, preview, _matches, n in groups if preview == filters.preview)
    found = _tally(
        [(status, who, waiting, n) for status, who, waiting, _p, matches, n in groups if matches],
        filters,
    )
    if not seen or not population:
        return unknown
    # Matches the sample would hold, on average, if a count were just COUNT_CAP: holding at
    # least SAMPLE_ABOVE_CAP times that (and 5 or more) makes "more than COUNT_CAP" all but
    # certain, where an estimate would still be too rough to show.
    at_cap = COUNT_CAP * seen / population
    return {name: _told(matches, population / seen, at_cap) for name, matches in found.items()}


def _told(matches: int, scale: float, at_cap: float) -> int | None:
    """A count from its matches in the sample: an estimate, more than COUNT_CAP, or None."""
    if matches >= SAMPLE_MATCHES_MIN:
        return About(_two_figures(matches * scale))
    if matches >= max(5, SAMPLE_ABOVE_CAP * at_cap):
        return COUNT_CAP + 1  # shown as "1,000+", as a capped count past its cap
    return None


def _two_figures(number: float) -> int:
    """12,437 -> 12,000; 1,562 -> 1,600; 87 -> 87."""
    digits = len(str(int(number)))
    return int(round(number, min(0, 2 - digits)))


def visitor_counts(*, workspace: Workspace, filters: VisitorFilters) -> VisitorCounts:
    """The tab counts and the view counts: exact from the maintained counts, or capped when
    filters that only the visitors' rows can answer narrow the list."""
    narrowed = {name for name in FILTER_FIELDS if getattr(filters, name) != getattr(DEFAULTS, name)}
    if narrowed - COUNTED_FIELDS:
        return _capped_counts(workspace=workspace, filters=filters)
    return _maintained_counts(workspace=workspace, filters=filters)


def visitor_matching(
    *, workspace: Workspace, filters: VisitorFilters, assignees: bool = True
) -> QuerySet[Visitor]:
    """The visitors of the current tab under the filters, in the chosen order, with their
    assignees (`assignees=False`: only their ids)."""
    matching = (
        visitor_filtered(workspace=workspace, filters=filters)
        .filter(status=filters.status)
        .order_by(*filters.ordering)
    )
    if not assignees:
        return matching.only(*ROW_COLUMNS)
    return matching.select_related("assignee__user").only(*LIST_COLUMNS)


def visitor_picked(*, workspace: Workspace, ids: list[int]) -> QuerySet[Visitor]:
    """The visitors picked on the list (of this workspace only), newest first."""
    return (
        Visitor.objects.filter(workspace=workspace, pk__in=ids)
        .order_by("-created_at", "-id")
        .select_related("assignee__user")
        .only(*LIST_COLUMNS)
    )


def visitor_list_page(
    *, workspace: Workspace, filters: VisitorFilters, members: list[Member] | None = None
) -> VisitorPage:
    """The rows of the requested page, the tab counts and the view counts. Keyset paging: the
    rows after or before one row (`after` / `before`: its id), or the last page; a link whose
    row is gone shows the first page (going back) or the last (going on). `members`: the
    workspace's, when the caller has them already (the list's menus show them): the rows'
    assignees are taken from them rather than read again with every row."""
    page = _page(workspace, filters, assignees=members is None)
    if members is not None:
        by_id = {member.pk: member for member in members}
        for row in page.rows:
            if row.assignee_id in by_id:
                row.assignee = by_id[row.assignee_id]
    return page


def _page(workspace: Workspace, filters: VisitorFilters, *, assignees: bool) -> VisitorPage:
    counts = visitor_counts(workspace=workspace, filters=filters)
    matching = visitor_matching(workspace=workspace, filters=filters, assignees=assignees)
    order, size = filters.order, filters.per_page

    def anchor(token: str) -> QuerySet:
        return Visitor.objects.filter(workspace=workspace, pk=order.parse(token))

    if filters.before:
        rows, more = keyset_rows(matching, order, anchor(filters.before), size, back=True)
        if not rows:
            return _page(workspace, filters.first_page(), assignees=assignees)
        start = filters.start if more else 1
        return VisitorPage(rows, counts, replace(filters, start=start), more, True)
    if filters.after:
        rows, more = keyset_rows(matching, order, anchor(filters.after), size, back=False)
        if not rows:
            last = replace(filters.first_page(), page="last")
            return _page(workspace, last, assignees=assignees)
        return VisitorPage(rows, counts, filters, True, more)
    if filters.page == "last":
        # Known totals end the list where Next would: 26-30 of 30, not 6-30.
        total = counts.tabs[filters.status] or 0
        known = exact(total) and total > 0 and (counts.cap is None or total <= counts.cap)
        tail = (total - 1) % size + 1 if known else size
        rows, more = keyset_rows(matching, order, None, tail, back=True)
        start = total - len(rows) + 1 if more and known else 1
        return VisitorPage(rows, counts, replace(filters, start=start), more, False)
    rows, more = keyset_rows(matching, order, None, size, back=False)
    return VisitorPage(rows, counts, filters.first_page(), False, more)


def visitor_get(*, workspace: Workspace, visitor_id: int) -> Visitor:
    """One visitor of this workspace; raises Visitor.DoesNotExist for any other."""
    return Visitor.objects.select_related("bot", "assignee__user").get(
        workspace=workspace, pk=visitor_id
    )


def visitor_countries(*, workspace: Workspace) -> list[str]:
    """The country codes of the workspace's visitors (not test conversations), for the filter's
    select."""
    return counts.countries(workspace_id=workspace.pk)


def visitor_page_views(*, visitor: Visitor, limit: int = 15) -> list[PageView]:
    """The pages the visitor viewed, newest first (the first one is where they are now)."""
    return list(PageView.objects.filter(visitor=visitor).order_by("-id")[:limit])


def visitor_merge_candidates(
    *, workspace: Workspace, visitor: Visitor, q: str = "", limit: int = 10
) -> list[Visitor]:
    """Who `visitor` could be merged with: the Visitors page's search (`q`) over every status,
    newest first, without `visitor` itself, test conversations or anonymised visitors."""
    filters = VisitorFilters(q=q)
    return list(
        visitor_filtered(workspace=workspace, filters=filters)
        .exclude(pk=visitor.pk)
        .filter(anonymised_at__isnull=True)
        .order_by(*filters.ordering)
        .select_related("assignee__user")
        .only(*LIST_COLUMNS)[:limit]
    )
