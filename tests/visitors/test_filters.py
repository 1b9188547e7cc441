import datetime as dt
import zoneinfo

from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tertulia.visitors.filters import VisitorFilters
from tertulia.visitors.models import Visitor
from tertulia.visitors.selectors import visitor_filtered


def parse(query: str):
    return VisitorFilters.from_query(QueryDict(query))


def names(workspace, query: str) -> set[str]:
    filters, errors = parse(query)
    assert not errors, errors
    return {v.name for v in visitor_filtered(workspace=workspace, filters=filters)}


def test_defaults_are_the_new_tab_newest_first():
    filters, errors = parse("")
    assert errors == {}
    assert (filters.status, filters.sort, filters.per_page, filters.after, filters.start) == (
        "new",
        "-created",
        25,
        "",
        1,
    )
    assert not filters.is_filtering


def test_bad_values_are_reported_and_ignored():
    filters, errors = parse(
        "status=vip&started_from=yesterday&per_page=7&page=-3&sort=drop&country=Spain"
    )
    assert set(errors) == {"status", "started_from", "per_page", "page", "sort", "country"}
    assert filters == VisitorFilters()


def test_end_before_start_is_an_error():
    _, errors = parse("started_from=2026-05-02&started_to=2026-05-01")
    assert "started_to" in errors


def test_search_ignores_case_accents_and_phone_formatting(workspace, make_visitor):
    make_visitor(name="José Núñez", email="jn@example.com", phone="+34612345678")
    make_visitor(name="Emma Smith", email="emma@acme.io", phone="+447700900123")
    assert names(workspace, "q=JOSE") == {"José Núñez"}
    assert names(workspace, "q=acme.IO") == {"Emma Smith"}
    assert names(workspace, "q=612 34 56") == {"José Núñez"}
    assert names(workspace, "q=(0)7700-900") == set()  # digits must be contiguous in the number
    assert names(workspace, "q=7700 900") == {"Emma Smith"}


def test_a_search_asks_the_index_once_for_the_counts_sample_and_rows(
    workspace, make_visitor, monkeypatch
):
    from tertulia.visitors import search, selectors

    for n in range(12):
        make_visitor(name=f"García {n}", email=f"g{n}@gmail.com", status="lead" if n % 2 else "new")
    make_visitor(name="Lopez", email="lopez@hotmail.com")
    filters, _errors = parse("q=garcia&email=gmail")
    with CaptureQueriesContext(connection) as queries:
        page = selectors.visitor_list_page(workspace=workspace, filters=filters)
    asked = [q["sql"] for q in queries if "MATCH" in q["sql"]]
    assert len(asked) == (2 if connection.vendor == "sqlite" else 0), asked  # one per term
    assert len(page.rows) == 6 and page.counts.tabs == {
        "new": 6,
        "lead": 6,
        "customer": 0,
        "closed": 0,
        "archived": 0,
    }
    # More candidates than SEARCH_CANDIDATES: the rows are read in the list's order instead.
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    assert names(workspace, "q=garcia") == {f"García {n}" for n in range(12)}
    assert names(workspace, "email=hotmail") == {"Lopez"}


def test_field_filters(workspace, make_visitor):
    make_visitor(
        name="Ana",
        email="ana@x.es",
        phone="+34 600 111 222",
        country="ES",
        region="Madrid",
        city="Madrid",
        engaged=True,
    )
    make_visitor(
        name="Bo",
        email="bo@y.com",
        phone="+1 415 555 0100",
        country="US",
        region="California",
        city="San Francisco",
    )
    assert names(workspace, "name=an") == {"Ana"}
    assert names(workspace, "email=Y.COM") == {"Bo"}
    assert names(workspace, "phone=600-111") == {"Ana"}
    assert names(workspace, "country=us") == {"Bo"}
    assert names(workspace, "city=san francisco") == {"Bo"}
    assert names(workspace, "region=madrid") == {"Ana"}
    assert names(workspace, "engaged=on") == {"Ana"}


def test_dates_are_whole_days_in_the_members_time_zone(workspace, make_visitor):
    madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    # 23:30 on 1 May in Madrid is still 1 May there, though 21:30 UTC.
    make_visitor(name="late", created_at=dt.datetime(2026, 5, 1, 23, 30, tzinfo=madrid))
    make_visitor(name="next", created_at=dt.datetime(2026, 5, 2, 0, 30, tzinfo=madrid))
    with timezone.override(madrid):
        assert names(workspace, "started_from=2026-05-01&started_to=2026-05-01") == {"late"}
        assert names(workspace, "started_from=2026-05-02") == {"next"}
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        # In New York both happened on 1 May.
        assert names(workspace, "started_to=2026-05-01") == {"late", "next"}


def test_filters_never_cross_workspaces(workspace, other_owner, make_visitor):
    make_visitor(name="Mine")
    make_visitor(name="Theirs", in_workspace=other_owner.workspace)
    assert names(workspace, "q=") == {"Mine"}
    assert Visitor.objects.count() == 2
