import pytest
from django.test import Client
from django.urls import reverse

from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.models import MessageKind, Sender
from tertulia.conversations.services import message_post
from tertulia.visitors.models import Visitor
from tests.helpers import body

LIST = reverse("visitors:list")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_login_is_required(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_list_shows_tabs_counts_and_rows(owner_client, make_visitor):
    make_visitor(
        name="Lucía García", email="lucia@example.es", country="ES", city="Madrid", region="Madrid"
    )
    make_visitor(status="lead")
    response = owner_client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lucía García" in html and "lucia@example.es" in html
    assert "Madrid, Spain" in html and "Madrid, Madrid" not in html
    assert 'aria-current="page"' in html


def test_unnamed_visitors_show_their_number(owner_client, make_visitor):
    make_visitor()
    assert "Visitor #1" in owner_client.get(LIST).content.decode()


def test_htmx_gets_only_the_results_fragment(owner_client, make_visitor):
    make_visitor(name="Frag")
    response = owner_client.get(
        LIST + "?status=new", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "Frag" in html


def test_page_render_query_count_does_not_grow_with_rows(
    owner, agent, owner_client, make_visitor, django_assert_num_queries
):
    for n in range(60):
        visitor = make_visitor(name=f"V{n}", status="new")
        if n % 3:  # the rows' assignees come with the teammates of the menus
            visitor_assign(visitor=visitor, assignee=(owner, agent)[n % 2], actor=owner.user)
    # session, user, member, tab and view counts, rows, countries and members for the filters
    with django_assert_num_queries(7):
        html = owner_client.get(LIST + "?per_page=100").content.decode()
    assert html.count("Assigned to Olga Owner") == 20 and html.count("Assigned to Ana Agent") == 20
    # a fragment: session, user, member, counts, rows, members for the bulk bar
    with django_assert_num_queries(6):
        owner_client.get(
            LIST + "?per_page=100", headers={"HX-Request": "true", "HX-Target": "results"}
        )


def test_panel_query_count(owner_client, owner, make_visitor, django_assert_num_queries):
    visitor = make_visitor(name="P")
    for n in range(40):
        message_post(visitor=visitor, sender=Sender.AGENT, text=f"m{n}", agent=owner.user)
    panel = reverse("visitors:panel", args=[visitor.pk])
    htmx = {"HX-Request": "true", "HX-Target": "panel"}
    # session, user, member, visitor, members to assign to, then status history and pages
    # (info) or messages and saved replies (conversation)
    with django_assert_num_queries(7):
        owner_client.get(panel + "?panel=info", headers=htmx)
    with django_assert_num_queries(7):
        owner_client.get(panel + "?panel=conversation", headers=htmx)


def test_panel_without_htmx_lands_on_the_list_with_it_open(owner_client, make_visitor):
    visitor = make_visitor(name="Deep Link")
    response = owner_client.get(
        reverse("visitors:panel", args=[visitor.pk]) + "?status=new&panel=conversation"
    )
    assert response.status_code == 302
    followed = owner_client.get(response["Location"])
    html = followed.content.decode()
    assert 'id="visitor-detail"' in html and "Deep Link" in html
    assert "subtab--active" in html and "No messages yet." in html


def test_conversation_shows_every_kind_and_loads_older_on_demand(owner_client, owner, make_visitor):
    visitor = make_visitor(name="Chatty")
    message_post(visitor=visitor, sender=Sender.BOT, text="Hello! first")
    message_post(
        visitor=visitor,
        sender=Sender.BOT,
        kind=MessageKind.OPTIONS,
        text="Pick one",
        payload={
            "options": [{"id": "s", "label": "Sales"}, {"id": "t", "label": "Support"}],
            "chosen": "t",
        },
    )
    message_post(
        visitor=visitor,
        sender=Sender.VISITOR,
        kind=MessageKind.OPTION_CHOICE,
        payload={"option": "t", "label": "Support"},
    )
    message_post(
        visitor=visitor,
        sender=Sender.VISITOR,
        kind=MessageKind.FORM_SUBMISSION,
        payload={"fields": [{"name": "company", "label": "Company", "value": "Acme S.L."}]},
    )
    for n in range(55):
        message_post(visitor=visitor, sender=Sender.AGENT, text=f"agent line {n}", agent=owner.user)
    url = reverse("visitors:panel", args=[visitor.pk]) + "?panel=conversation"
    html = owner_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "agent line 54" in html and "Olga Owner" in html
    assert "Hello! first" not in html  # older than the newest 50
    assert "Load earlier messages" in html
    older_url = reverse("visitors:messages", args=[visitor.pk])
    first_shown = visitor.messages.order_by("-id")[49].pk
    older = owner_client.get(f"{older_url}?before={first_shown}").content.decode()
    assert "Hello! first" in older and "option--chosen" in older and "Acme S.L." in older
    assert "Load earlier messages" not in older
    assert owner_client.get(f"{older_url}?before=abc").status_code == 400


def test_status_change_from_panel_updates_and_asks_the_list_to_refresh(owner_client, make_visitor):
    visitor = make_visitor(name="Mover")
    url = reverse("visitors:status", args=[visitor.pk]) + "?status=new"
    response = owner_client.post(
        url, {"status": "lead", "layout": "panel"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "visitors-changed"
    assert 'value="lead"' in response.content.decode()
    visitor.refresh_from_db()
    assert visitor.status == "lead"
    assert visitor.status_changes.get().actor.email == "owner@acme.test"


def test_status_change_from_full_page_redirects_back(owner_client, make_visitor):
    visitor = make_visitor(name="Paged")
    detail = reverse("visitors:detail", args=[visitor.pk])
    response = owner_client.post(
        reverse("visitors:status", args=[visitor.pk]), {"status": "customer", "next": detail}
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert "Paged is now Customer." in owner_client.get(detail).content.decode()


def test_status_change_rejects_unknown_status_and_foreign_next(owner_client, make_visitor):
    visitor = make_visitor()
    url = reverse("visitors:status", args=[visitor.pk])
    assert owner_client.post(url, {"status": "vip"}).status_code == 400
    response = owner_client.post(url, {"status": "closed", "next": "https://evil.example/"})
    assert response["Location"] == reverse("visitors:detail", args=[visitor.pk])


def test_status_change_needs_csrf_token(owner, make_visitor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    visitor = make_visitor()
    assert (
        client.post(reverse("visitors:status", args=[visitor.pk]), {"status": "lead"}).status_code
        == 403
    )
    visitor.refresh_from_db()
    assert visitor.status == "new"


@pytest.mark.parametrize(
    "name, args, method",
    [
        ("visitors:detail", [], "get"),
        ("visitors:panel", [], "get"),
        ("visitors:messages", [], "get"),
        ("visitors:status", [], "post"),
    ],
)
def test_another_workspaces_visitor_is_404_everywhere(
    owner_client, other_owner, make_visitor, name, args, method
):
    foreign = make_visitor(in_workspace=other_owner.workspace, name="Secret")
    url = reverse(name, args=[foreign.pk]) + "?before=999999"
    response = getattr(owner_client, method)(url, {"status": "lead"} if method == "post" else None)
    assert response.status_code == 404
    assert "Secret" not in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.status == "new"


def test_open_param_and_exports_never_show_another_workspace(
    owner_client, other_owner, make_visitor
):
    foreign = make_visitor(in_workspace=other_owner.workspace, name="Secret")
    assert owner_client.get(f"{LIST}?open={foreign.pk}").status_code == 404
    assert owner_client.get(f"{LIST}?open=abc").status_code == 404
    for fmt in ("csv", "xlsx"):
        content = body(owner_client.get(reverse("visitors:export", args=[fmt]) + "?scope=all"))
        assert b"Secret" not in content


def test_hostile_visitor_text_is_escaped(owner_client, owner, make_visitor):
    visitor = make_visitor(
        name=HOSTILE, email=HOSTILE[:50], city=HOSTILE[:100], attributes={"x": HOSTILE}
    )
    message_post(visitor=visitor, sender=Sender.VISITOR, text=HOSTILE)
    message_post(
        visitor=visitor,
        sender=Sender.VISITOR,
        kind=MessageKind.FORM_SUBMISSION,
        payload={"fields": [{"name": "a", "label": HOSTILE, "value": HOSTILE}]},
    )
    pages = [
        owner_client.get(LIST).content,
        owner_client.get(f"{LIST}?open={visitor.pk}").content,
        owner_client.get(f"{LIST}?open={visitor.pk}&panel=conversation").content,
        owner_client.get(reverse("visitors:detail", args=[visitor.pk])).content,
    ]
    for html in pages:
        assert b"<script>alert" not in html
        assert b"<img src=x" not in html
        assert b"&lt;script&gt;" in html


def test_bad_filters_never_500(owner_client):
    for query in [
        "started_from=2026-13-45",
        "page=abc",
        "per_page=100000",
        "status=%00",
        "country=<b>",
        "q=" + "x" * 5000,
        "sort=;drop",
        "after=abc",
        "after=" + "9" * 40,
        "before=-1&start=0",
        "after=%ED%A0%80",
        "page=first&start=" + "9" * 30,
        "after=1&before=2&page=last",
    ]:
        response = owner_client.get(f"{LIST}?{query}")
        assert response.status_code == 200, query
    html = owner_client.get(f"{LIST}?started_from=nope").content.decode()
    assert "Some filters were not understood" in html


def test_unknown_visitor_and_format_are_404(owner_client):
    assert owner_client.get(reverse("visitors:detail", args=[999999])).status_code == 404
    assert owner_client.get("/visitors/export.pdf").status_code == 404


def test_security_headers(owner_client):
    response = owner_client.get(LIST)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_empty_states(owner_client, make_visitor):
    assert "No visitors yet" in owner_client.get(LIST).content.decode()
    make_visitor(status="lead")
    assert "Nothing in New" in owner_client.get(LIST).content.decode()
    assert (
        "No visitors match these filters"
        in owner_client.get(f"{LIST}?status=lead&q=nobody").content.decode()
    )


def test_member_language_wins_over_browser(agent_client, agent, make_visitor):
    agent.user.language = "es"
    agent.user.save()
    make_visitor(status="lead")
    html = agent_client.get(LIST, headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="es">' in html


def test_browser_language_when_member_has_none(agent_client):
    html = agent_client.get(LIST, headers={"Accept-Language": "es-ES,es;q=0.9"}).content.decode()
    assert '<html lang="es">' in html


def test_visitor_counts_are_not_cached_across_workspaces(owner_client, other_owner, make_visitor):
    make_visitor(in_workspace=other_owner.workspace)
    assert Visitor.objects.count() == 1
    assert "No visitors yet" in owner_client.get(LIST).content.decode()


def test_each_member_sees_the_rows_dates_in_their_own_time_zone(
    owner, agent, owner_client, agent_client, make_visitor
):
    """The rows' dates are remembered between refreshes: one member's time zone must never
    show in another's list (the same instant, the same format)."""
    import datetime as dt

    visitor = make_visitor(name="Zoned")
    created = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)
    Visitor.objects.filter(pk=visitor.pk).update(created_at=created)
    agent.user.timezone = "Asia/Tokyo"
    agent.user.save(update_fields=["timezone"])
    for _ in range(2):  # the second time from what was remembered
        owner_html = owner_client.get(LIST).content.decode()
        agent_html = agent_client.get(LIST).content.decode()
        assert 'datetime="2026-03-09T23:30:00+00:00" title="03/09/2026 11:30 p.m."' in owner_html
        assert 'datetime="2026-03-10T08:30:00+09:00" title="03/10/2026 8:30 a.m."' in agent_html
