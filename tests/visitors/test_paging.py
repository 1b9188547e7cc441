"""Keyset paging: walking the list page by page, forwards from the first page or backwards from
the last, meets every visitor once, in the list's order, for every sort."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tertulia.visitors.filters import SORTS, VisitorFilters
from tertulia.visitors.models import Visitor
from tertulia.visitors.paging import keyset_rows
from tertulia.visitors.selectors import visitor_list_page, visitor_matching

BASE = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)

visitor_rows = st.lists(
    st.tuples(
        st.sampled_from([None, "Ana", "ana", "Bea", "Zoe", "Ña"]),
        st.integers(0, 3),  # created: few values, so ties need the id
        st.one_of(st.none(), st.integers(0, 3)),  # last message
    ),
    max_size=14,
)


def walk(queryset, order, size: int, *, back: bool) -> list[int]:
    """Every id, following the cursors of `size`-row pages from one end."""
    seen, cursor = [], None
    for _ in range(100):
        rows, more = keyset_rows(queryset, order, cursor, size, back=back)
        seen = [*(r.pk for r in rows), *seen] if back else [*seen, *(r.pk for r in rows)]
        if not more:
            return seen
        edge = rows[0] if back else rows[-1]
        cursor = Visitor.objects.filter(pk=order.parse(order.cursor(edge)))
    raise AssertionError("paging did not end")


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=visitor_rows, size=st.integers(1, 4), sort=st.sampled_from(sorted(SORTS)))
def test_every_visitor_once_in_order_both_ways(workspace, rows, size, sort):
    Visitor.objects.filter(workspace=workspace).delete()
    for number, (name, created, message) in enumerate(rows, start=1):
        Visitor.objects.create(
            workspace=workspace,
            number=number,
            name=name,
            created_at=BASE + dt.timedelta(hours=created),
            last_message_at=None if message is None else BASE + dt.timedelta(hours=message),
        )
    filters = VisitorFilters.from_query(QueryDict(f"sort={sort}"))[0]
    queryset = visitor_matching(workspace=workspace, filters=filters)
    expected = [v.pk for v in queryset]
    assert walk(queryset, filters.order, size, back=False) == expected
    assert walk(queryset, filters.order, size, back=True) == expected


def page(workspace, query: str):
    return visitor_list_page(
        workspace=workspace, filters=VisitorFilters.from_query(QueryDict(query))[0]
    )


def test_next_previous_first_and_last_pages(workspace, make_visitor):
    now = timezone.now()
    for n in range(60):
        make_visitor(name=f"V{n:02d}", created_at=now - dt.timedelta(minutes=n))
    first = page(workspace, "")
    assert (first.has_previous, first.has_next, first.start_index, first.end_index) == (
        False,
        True,
        1,
        25,
    )
    second = page(workspace, f"after={first.next_cursor}&start={first.next_start}")
    assert [v.name for v in second.rows] == [f"V{n:02d}" for n in range(25, 50)]
    assert (second.has_previous, second.has_next, second.start_index) == (True, True, 26)
    back = page(workspace, f"before={second.previous_cursor}&start={second.previous_start}")
    assert [v.pk for v in back.rows] == [v.pk for v in first.rows]
    assert (back.has_previous, back.start_index) == (False, 1)
    last = page(workspace, "page=last")
    assert [v.name for v in last.rows] == [f"V{n:02d}" for n in range(50, 60)]
    assert (last.has_previous, last.has_next, last.start_index, last.end_index) == (
        True,
        False,
        51,
        60,
    )
    before_last = page(workspace, f"before={last.previous_cursor}&start={last.previous_start}")
    assert [v.pk for v in before_last.rows] == [v.pk for v in second.rows]
    assert before_last.start_index == 26


def test_a_stale_or_forged_cursor_shows_the_first_page_and_says_so(workspace, make_visitor):
    make_visitor(name="Ana")
    for token in ("nonsense", "-1", "0", "1.5", "\udfff", "٣", "9" * 30):
        filters, errors = VisitorFilters.from_query(QueryDict(f"after={token}"))
        assert "after" in errors
        assert (filters.after, filters.start) == ("", 1)
        assert [v.name for v in visitor_list_page(workspace=workspace, filters=filters).rows] == [
            "Ana"
        ]


def test_a_row_of_another_workspace_is_no_cursor(workspace, make_visitor, other_owner):
    mine = make_visitor(name="Ana")
    theirs = make_visitor(name="Eve", in_workspace=other_owner.workspace)
    shown = page(workspace, f"before={theirs.pk}")
    assert [v.pk for v in shown.rows] == [mine.pk]
    assert not shown.has_previous


def test_a_cursor_past_the_end_shows_the_last_page(workspace, make_visitor):
    for n in range(30):
        make_visitor(name=f"V{n:02d}")
    last = page(workspace, "page=last")
    beyond = page(workspace, f"after={last.next_cursor}")
    assert [v.pk for v in beyond.rows] == [v.pk for v in last.rows]
    assert not beyond.has_next


def test_a_cursor_the_views_order_leaves_out_is_no_cursor(workspace, make_visitor):
    """Waiting for a person is ordered by when each began to wait: a visitor who does not wait
    (a link copied from another view) anchors nothing, in either direction."""
    idle = make_visitor(name="Idle")
    waiting = make_visitor(name="Waiting", waiting_since=BASE)
    for direction in ("after", "before"):
        shown = page(workspace, f"view=waiting&{direction}={idle.pk}")
        assert [v.pk for v in shown.rows] == [waiting.pk]
