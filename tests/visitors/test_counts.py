"""The maintained counts equal a count of the visitors after every kind of write: creation,
status changes one by one and in bulk, assignment, waiting, a member's removal, deletion,
the retention purge and a workspace's deletion; `tertulia recount` repairs them."""

import datetime as dt
import re

from django.core.management import call_command
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from tertulia.accounts.services import workspace_delete
from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.flow_runner import live_chat_request
from tertulia.conversations.services import visitor_set_status
from tertulia.privacy.services import visitor_anonymise, visitor_delete, visitors_purge_expired
from tertulia.team.services import team_member_remove
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.filters import VisitorFilters
from tertulia.visitors.models import Visitor, VisitorCount, VisitorCountry
from tertulia.visitors.selectors import visitor_countries, visitor_counts


def counted() -> tuple[dict, dict]:
    """What the maintained tables say, without the rows that fell to zero."""
    counts = {
        (c.workspace_id, c.is_preview, c.status, c.assignee, c.waiting): c.visitors
        for c in VisitorCount.objects.all()
        if c.visitors
    }
    countries = {(c.workspace_id, c.country): c.visitors for c in VisitorCountry.objects.all()}
    return counts, {key: n for key, n in countries.items() if n}


def truth() -> tuple[dict, dict]:
    """The same, counted from the visitors."""
    grouped = Visitor.objects.values("workspace_id", "is_preview", "status").annotate(
        assigned=Coalesce("assignee_id", 0), waits=Q(waiting_since__isnull=False), n=Count("id")
    )
    counts = {
        (r["workspace_id"], r["is_preview"], r["status"], r["assigned"], r["waits"]): r["n"]
        for r in grouped.order_by()
    }
    by_country = (
        Visitor.objects.filter(is_preview=False)
        .exclude(country="")
        .values("workspace_id", "country")
        .annotate(n=Count("id"))
        .order_by()
    )
    return counts, {(r["workspace_id"], r["country"]): r["n"] for r in by_country}


def assert_consistent():
    assert counted() == truth()


def test_every_write_keeps_the_counts(workspace, make_visitor, owner, agent, other_owner):
    visitors = [
        make_visitor(name=f"V{n}", country=("ES", "MX", "")[n % 3], status=status)
        for n, status in enumerate(["new", "new", "lead", "customer", "closed", "archived"] * 3)
    ]
    make_visitor(name="Test", is_preview=True, country="FR")
    make_visitor(name="Theirs", in_workspace=other_owner.workspace, country="AR")
    assert_consistent()

    visitor_set_status(visitor=visitors[0], status="lead", actor=owner.user)
    visitor_assign(visitor=visitors[1], assignee=agent, actor=owner.user)
    live_chat_request(visitor=visitors[2])
    assert Visitor.objects.get(pk=visitors[2].pk).waiting_since is not None
    Visitor.objects.filter(pk__in=[v.pk for v in visitors[3:8]]).update(status="closed")
    Visitor.objects.filter(pk=visitors[4].pk).update(country="PT")
    assert_consistent()

    visitor_anonymise(visitor=visitors[5], actor=owner.user)
    visitor_delete(visitor=visitors[6], actor=owner.user)
    team_member_remove(member=agent, actor=owner)  # their conversations become unassigned
    assert_consistent()

    Visitor.objects.filter(status="archived").update(
        status_changed_at=timezone.now() - dt.timedelta(days=400)
    )
    workspace.retention_days = 30
    workspace.save()
    assert visitors_purge_expired() > 0
    assert_consistent()

    workspace_delete(workspace=other_owner.workspace, actor=other_owner.user)
    assert_consistent()
    assert not VisitorCount.objects.filter(workspace_id=other_owner.workspace.pk).exclude(
        visitors=0
    )


def test_the_page_reads_them_exactly_and_countries_come_from_them(workspace, make_visitor, agent):
    for n in range(7):
        make_visitor(
            status="new", country="ES" if n % 2 else "MX", assignee=agent if n < 3 else None
        )
    make_visitor(status="lead", country="CL")
    make_visitor(status="new", country="FR", is_preview=True)
    filters = VisitorFilters.from_query(QueryDict(""))[0].seen_by(agent.pk)
    counts = visitor_counts(workspace=workspace, filters=filters)
    assert counts.cap is None
    assert counts.tabs == {"new": 7, "lead": 1, "customer": 0, "closed": 0, "archived": 0}
    assert counts.views == {"all": 7, "mine": 3, "unassigned": 4, "waiting": 0}
    mine = VisitorFilters.from_query(QueryDict("view=mine"))[0].seen_by(agent.pk)
    assert visitor_counts(workspace=workspace, filters=mine).tabs["new"] == 3
    assert visitor_countries(workspace=workspace) == ["CL", "ES", "MX"]


def test_filtered_counts_are_exact_in_a_small_workspace_and_stop_at_the_cap_in_a_large_one(
    workspace, make_visitor, monkeypatch
):
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for n in range(5):
        make_visitor(name=f"Garcia {n}", country="ES", status="lead" if n == 4 else "new")
    make_visitor(name="Lopez", country="ES")
    workspace.refresh_from_db()  # as each request loads it: 6 visitors had
    searched = VisitorFilters.from_query(QueryDict("q=garcia"))[0]
    counts = visitor_counts(workspace=workspace, filters=searched)
    assert counts.cap is None and counts.tabs["new"] == 4 and counts.tabs["lead"] == 1
    assert counts.views == {"all": 4, "mine": 0, "unassigned": 4, "waiting": 0}
    # Past SAMPLE_FIRST_ABOVE, with a sample too small to tell, each count stops reading at
    # the cap: "3+".
    monkeypatch.setattr(selectors, "SAMPLE_FIRST_ABOVE", 1)
    monkeypatch.setattr(selectors, "SAMPLE_MATCHES_MIN", 1000)
    counts = visitor_counts(workspace=workspace, filters=searched)
    assert counts.cap == 3 and counts.tabs["new"] == 4 and counts.tabs["lead"] == 1
    narrow = VisitorFilters.from_query(QueryDict("q=lopez"))[0]
    assert visitor_counts(workspace=workspace, filters=narrow).tabs["new"] == 1


def test_recount_repairs_counts_that_were_tampered_with(workspace, make_visitor):
    for status in ("new", "new", "lead"):
        make_visitor(status=status, country="ES")
    VisitorCount.objects.update(visitors=999)
    VisitorCountry.objects.all().delete()
    call_command("recount", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_consistent()


def test_the_list_labels_capped_counts(owner_client, make_visitor, monkeypatch):
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "SAMPLE_FIRST_ABOVE", 1)  # a large workspace
    monkeypatch.setattr(selectors, "SAMPLE_MATCHES_MIN", 1000)  # whose sample tells nothing
    for n in range(5):
        make_visitor(name=f"Garcia {n}")
    html = owner_client.get("/visitors/?q=garcia").content.decode()
    shown = re.findall(r'class="tab__count"[^>]*>[^<]*<|pager__summary">[^<]*', html)
    assert '<span class="tab__count">3+</span>' in html, shown
    assert "1\u20135 of more than 3" in html, shown
    assert "All matching" in html
    html = owner_client.get("/visitors/").content.decode()
    assert '<span class="tab__count">5</span>' in html and "1\u20135 of 5" in html


def test_counting_past_its_time_budget_shows_an_estimate(
    owner_client, owner, make_visitor, monkeypatch
):
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 0)
    monkeypatch.setattr(selectors, "SAMPLE_WINDOWS", 8)
    monkeypatch.setattr(selectors, "SAMPLE_WIDTH", 5)
    monkeypatch.setattr(selectors, "SAMPLE_MATCHES_MIN", 5)
    for n in range(120):
        make_visitor(
            name=f"Garcia {n}" if n % 4 else f"Lopez {n}", status="lead" if n % 6 else "new"
        )
    html = owner_client.get("/visitors/?status=lead&q=garcia").content.decode()
    shown = re.findall(r'class="tab__count"[^>]*>[^<]*<|pager__summary">[^<]*', html)
    # 80 Garcias are leads: a sample of 40 of the 120 visitors (8 runs of 5) finds a third.
    estimate = re.search(r'title="About ([\d,]+): estimated from a sample[^"]*">≈([\d,]+)<', html)
    assert estimate, shown
    assert estimate[1] == estimate[2] and 40 <= int(estimate[2]) <= 120, shown
    assert f"1\u201325 of about {estimate[1]}<" in html, shown  # the Leads tab's
    # In Spanish too.
    owner.user.language = "es"
    owner.user.save()
    spanish = owner_client.get("/visitors/?status=lead&q=garcia").content.decode()
    assert f'title="Unos {estimate[1]}: estimado con una muestra' in spanish
    assert f"1\u201325 de unos {estimate[1]}<" in spanish
    # The same sample every time: a refresh shows the same numbers.
    assert re.findall(
        r"≈\d+", owner_client.get("/visitors/?status=lead&q=garcia").content.decode()
    ) == re.findall(r"≈\d+", html)


def test_past_both_budgets_a_count_shows_no_number(owner_client, make_visitor, monkeypatch):
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 0)
    monkeypatch.setattr(selectors, "SAMPLE_BUDGET_MS", 0)
    for n in range(30):
        make_visitor(name=f"Garcia {n}")
    html = owner_client.get("/visitors/?q=garcia").content.decode()
    assert 'title="Not counted: too many to count quickly">…</span>' in html
    assert "Garcia 29" in html and "1\u201325<" in html
    html = owner_client.get("/visitors/").content.decode()  # the unfiltered counts are kept
    assert '<span class="tab__count">30</span>' in html


def test_a_sample_with_too_few_matches_estimates_nothing(workspace, make_visitor, monkeypatch):
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 0)
    monkeypatch.setattr(selectors, "SAMPLE_WINDOWS", 10)
    monkeypatch.setattr(selectors, "SAMPLE_WIDTH", 5)
    for n in range(100):
        make_visitor(name="Rare" if n == 50 else f"Common {n}")
    workspace.refresh_from_db()  # as each request loads it: 100 visitors had
    filters, _errors = VisitorFilters.from_query(QueryDict("q=rare"))
    counts = selectors.visitor_counts(workspace=workspace, filters=filters)
    assert counts.tabs["new"] is None  # one match at most in the sample: no guess
    filters, _errors = VisitorFilters.from_query(QueryDict("q=common"))
    counts = selectors.visitor_counts(workspace=workspace, filters=filters)
    assert isinstance(counts.tabs["new"], selectors.About)
    assert 70 <= counts.tabs["new"] <= 130


def test_a_large_workspace_is_sampled_before_it_is_counted(workspace, make_visitor, monkeypatch):
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "SAMPLE_FIRST_ABOVE", 50)
    monkeypatch.setattr(selectors, "SAMPLE_WINDOWS", 10)
    monkeypatch.setattr(selectors, "SAMPLE_WIDTH", 10)
    monkeypatch.setattr(selectors, "SAMPLE_MATCHES_MIN", 3)
    statuses = VisitorStatus.values
    for n in range(200):
        if n % 2:
            make_visitor(name=f"Garcia {n}", status=statuses[n % 5])
        else:
            make_visitor(name=f"Lopez {n}", status="new" if n % 4 else "closed")
    workspace.refresh_from_db()  # as each request loads it: 200 visitors had
    # Every tab holds enough Garcias in the sample: estimated; the views Mine and Waiting hold
    # none, so they are counted.
    filters, _errors = VisitorFilters.from_query(QueryDict("q=garcia"))
    counts = selectors.visitor_counts(workspace=workspace, filters=filters)
    assert all(isinstance(n, selectors.About) for n in counts.tabs.values()), counts
    assert 10 <= counts.tabs["lead"] <= 40  # 20 exactly
    assert counts.views["mine"] == 0 and counts.views["waiting"] == 0
    assert isinstance(counts.views["all"], selectors.About)
    # The Lopez are new or closed: those two are estimated, the other tabs counted.
    filters, _errors = VisitorFilters.from_query(QueryDict("q=lopez"))
    counts = selectors.visitor_counts(workspace=workspace, filters=filters)
    assert isinstance(counts.tabs["new"], selectors.About) and 25 <= counts.tabs["new"] <= 75
    assert isinstance(counts.tabs["closed"], selectors.About)
    assert [counts.tabs[s] for s in ("lead", "customer", "archived")] == [0, 0, 0]
    assert not isinstance(counts.tabs["lead"], selectors.About)
    # A workspace below the threshold is counted as before.
    monkeypatch.setattr(selectors, "SAMPLE_FIRST_ABOVE", 200)
    filters, _errors = VisitorFilters.from_query(QueryDict("q=garcia"))
    counts = selectors.visitor_counts(workspace=workspace, filters=filters)
    assert counts.tabs["lead"] == 20 and not isinstance(counts.tabs["lead"], selectors.About)


def test_a_sample_too_small_to_estimate_can_still_say_more_than_the_cap(
    workspace, make_visitor, monkeypatch
):
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "SAMPLE_FIRST_ABOVE", 50)
    monkeypatch.setattr(selectors, "SAMPLE_WINDOWS", 10)
    monkeypatch.setattr(selectors, "SAMPLE_WIDTH", 10)
    monkeypatch.setattr(selectors, "SAMPLE_MATCHES_MIN", 1000)  # never precise enough here
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 0)  # nothing gets counted
    for n in range(200):
        make_visitor(
            name=f"Garcia {n}" if n % 2 else f"Lopez {n}", status="lead" if n % 2 else "new"
        )
    workspace.refresh_from_db()
    filters, _errors = VisitorFilters.from_query(QueryDict("q=garcia"))
    counts = selectors.visitor_counts(workspace=workspace, filters=filters)
    # About 50 of the sample's 100 visitors are Garcias and leads, where a count of 3 would
    # put 1.5 there: "3+" without counting. No Garcia is new: that one is not told. Nobody
    # at all is closed: 0 from the maintained counts, exactly.
    assert counts.tabs["lead"] == 4 and counts.cap == 3
    assert counts.tabs["new"] is None
    assert counts.tabs["closed"] == 0 and selectors.exact(counts.tabs["closed"])


def test_a_count_that_ran_out_of_time_is_not_tried_again_for_a_while(
    workspace, make_visitor, monkeypatch
):
    from django.core.cache import cache

    from tertulia.visitors import selectors

    tries = []

    def tried(count):
        def counting(*args):
            tries.append(args[1].q)
            return count(*args)

        return counting

    monkeypatch.setattr(selectors, "_counted_up_to_cap", tried(selectors._counted_up_to_cap))
    monkeypatch.setattr(selectors, "_counted", tried(selectors._counted))
    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 0)
    monkeypatch.setattr(selectors, "SAMPLE_FIRST_ABOVE", 10)  # a large workspace: sampled first
    for n in range(30):
        make_visitor(name=f"Garcia {n}", status="lead" if n % 2 else "new")
    workspace.refresh_from_db()

    def counts(query: str):
        filters, _errors = VisitorFilters.from_query(QueryDict(query))
        return selectors.visitor_counts(workspace=workspace, filters=filters)

    first = counts("q=garcia")
    assert tries == ["garcia"] and not selectors.exact(first.tabs["new"])
    # The list refreshes: no second try, the same answer at once.
    assert counts("q=garcia&sort=name") == first and tries == ["garcia"]
    assert counts("q=lopez") and tries == ["garcia", "lopez"]  # other filters are their own
    cache.clear()  # a minute later
    counts("q=garcia")
    assert tries == ["garcia", "lopez", "garcia"]
    # A small workspace is counted first and tries every time (a slow count there is rare, and
    # an exact number is worth a retry).
    monkeypatch.setattr(selectors, "SAMPLE_FIRST_ABOVE", 50_000)
    counts("q=garcia")
    counts("q=garcia")
    assert tries == ["garcia", "lopez", "garcia", "garcia", "garcia"]
    # With time enough, counted exactly.
    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 10_000)
    assert counts("q=garcia").tabs == {
        "new": 15,
        "lead": 15,
        "customer": 0,
        "closed": 0,
        "archived": 0,
    }


def test_estimates_are_rounded_to_two_figures():
    from tertulia.visitors.selectors import _two_figures

    assert [_two_figures(n) for n in (7, 87.4, 99.6, 1562, 12_437, 987_654)] == [
        7,
        87,
        100,
        1_600,
        12_000,
        990_000,
    ]


def test_filters_over_a_workspace_where_every_count_is_zero(workspace, make_visitor):
    make_visitor(name="Garcia", status="lead", is_preview=True)  # a test conversation only
    filters, _errors = VisitorFilters.from_query(QueryDict("q=garcia"))
    counts = visitor_counts(workspace=workspace, filters=filters)
    assert set(counts.tabs.values()) == {0} and set(counts.views.values()) == {0}
