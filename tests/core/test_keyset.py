"""Reading a list batch by batch (keyset) gives its rows in its own order, NULLs and ties too."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from tertulia.core.keyset import keyset_values
from tertulia.visitors.filters import SORTS, VisitorFilters
from tertulia.visitors.selectors import visitor_matching

FIELDS = ("id", "name", "created_at", "engaged")


@pytest.fixture
def crowd(make_visitor):
    """Names and last messages with NULLs and ties, and a few visitors waiting for a person."""
    base = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    for n in range(23):
        make_visitor(
            name=[None, "Ana", "Bea", "ana", "Zoë"][n % 5],
            created_at=base + dt.timedelta(hours=n // 3),
            last_message_at=None if n % 4 == 0 else base + dt.timedelta(minutes=n % 6),
            waiting_since=base + dt.timedelta(minutes=n % 3) if n % 2 else None,
            engaged=bool(n % 2),
        )


@pytest.mark.parametrize("query", [f"sort={key}" for key in SORTS] + ["view=waiting"])
@pytest.mark.parametrize("raw", [False, True])
def test_batches_follow_the_list_order(workspace, owner, crowd, query, raw):
    filters, _errors = VisitorFilters.from_query(QueryDict(query))
    matching = visitor_matching(workspace=workspace, filters=filters.seen_by(owner.pk))
    expected = list(matching.values_list("id", flat=True))
    assert len(expected) == (11 if "waiting" in query else 23)
    for batch in (1, 3, 100):
        read = list(keyset_values(matching, FIELDS, batch=batch, raw=raw))
        assert [row[0] for row in read] == expected, (query, batch)
        assert all(len(row) == len(FIELDS) for row in read)
    if not raw:
        first = next(keyset_values(matching, FIELDS))
        assert first[2].tzinfo is not None and isinstance(first[3], bool)


def test_an_ordering_it_cannot_follow_is_read_in_one_go(workspace, crowd):
    from tertulia.visitors.models import Visitor

    by_number = Visitor.objects.filter(workspace=workspace).order_by("number")
    assert [row[0] for row in keyset_values(by_number, ("id",), batch=2)] == list(
        by_number.values_list("id", flat=True)
    )
    assert list(keyset_values(Visitor.objects.none().order_by("-id"), ("id",), raw=True)) == []


@pytest.mark.django_db(transaction=True)
def test_the_next_batch_is_read_ahead_on_a_connection_of_its_own(workspace, owner, crowd):
    filters, _errors = VisitorFilters.from_query(QueryDict("sort=-activity"))
    matching = visitor_matching(workspace=workspace, filters=filters.seen_by(owner.pk))
    expected = list(matching.values_list("id", flat=True))
    read = keyset_values(matching, FIELDS, batch=4, raw=True, ahead=True)
    assert [row[0] for row in read] == expected
    # Stopped half way, the reader and its connection are let go.
    partial = keyset_values(matching, FIELDS, batch=4, raw=True, ahead=True)
    assert [next(partial)[0] for _ in range(6)] == expected[:6]
    partial.close()
