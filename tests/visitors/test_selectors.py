from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from tertulia.visitors.filters import VisitorFilters
from tertulia.visitors.selectors import visitor_counts, visitor_list_page


def filters(query: str = "") -> VisitorFilters:
    return VisitorFilters.from_query(QueryDict(query))[0]


def test_tab_counts_are_one_query_and_follow_filters(workspace, make_visitor):
    for status, name in [("new", "Ann"), ("new", "Bob"), ("lead", "Ann Lee"), ("archived", "Zed")]:
        make_visitor(name=name, status=status)
    with CaptureQueriesContext(connection) as queries:
        counts = visitor_counts(workspace=workspace, filters=filters()).tabs
    assert len(queries) == 1
    assert counts == {"new": 2, "lead": 1, "customer": 0, "closed": 0, "archived": 1}
    with CaptureQueriesContext(connection) as queries:
        searched = visitor_counts(workspace=workspace, filters=filters("q=ann")).tabs
    # The maintained counts, then one count (on PostgreSQL inside a savepoint that sets its
    # time budget) of what they do not answer.
    assert [q["sql"] for q in queries if "COUNT(" in q["sql"]] and len(queries) <= 5
    assert searched == {"new": 1, "lead": 1, "customer": 0, "closed": 0, "archived": 0}


def test_last_page_is_two_queries_and_knows_where_it_starts(workspace, make_visitor):
    for n in range(30):
        make_visitor(name=f"V{n:02d}")
    with CaptureQueriesContext(connection) as queries:
        page = visitor_list_page(workspace=workspace, filters=filters("page=last"))
    assert len(queries) == 2
    assert (page.has_previous, page.has_next, page.total) == (True, False, 30)
    assert len(page.rows) == 5
    assert (page.start_index, page.end_index) == (26, 30)
    assert [v.name for v in page.rows] == [f"V{n:02d}" for n in range(4, -1, -1)]


def test_sort_by_name_puts_unnamed_visitors_last(workspace, make_visitor):
    make_visitor(name=None)
    make_visitor(name="Zoe")
    make_visitor(name="Ana")
    ascending = visitor_list_page(workspace=workspace, filters=filters("sort=name")).rows
    descending = visitor_list_page(workspace=workspace, filters=filters("sort=-name")).rows
    assert [v.name for v in ascending] == ["Ana", "Zoe", None]
    assert [v.name for v in descending] == ["Zoe", "Ana", None]


def test_sort_by_date_both_ways(workspace, make_visitor):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    for days, name in [(3, "old"), (1, "new"), (2, "mid")]:
        make_visitor(name=name, created_at=now - dt.timedelta(days=days))
    newest = visitor_list_page(workspace=workspace, filters=filters()).rows
    oldest = visitor_list_page(workspace=workspace, filters=filters("sort=created")).rows
    assert [v.name for v in newest] == ["new", "mid", "old"]
    assert [v.name for v in oldest] == ["old", "mid", "new"]
