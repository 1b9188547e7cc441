"""Assigning from the panel or the full page, and the list's views: All, Mine, Unassigned,
Waiting for a person, and the assignee filter."""

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tertulia.conversations.assignment import visitor_assign
from tertulia.visitors.models import Visitor
from tertulia.visitors.templatetags.visitors import ago

LIST = reverse("visitors:list")
HTMX = {"HX-Request": "true", "HX-Target": "results"}


def assign(client, visitor, assignee, **headers):
    url = reverse("visitors:assign", args=[visitor.pk])
    return client.post(url, {"assignee": assignee, "layout": "panel"}, headers=headers)


def test_a_member_assigns_from_the_panel_and_the_list_refreshes(agent_client, agent, make_visitor):
    visitor = make_visitor(name="Vera")
    response = assign(agent_client, visitor, agent.pk, **{"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "visitors-changed"
    assert "selected>Ana Agent (you)" in response.content.decode()
    visitor.refresh_from_db()
    assert visitor.assignee == agent


def test_a_plain_form_post_goes_back_with_a_message(agent_client, agent, make_visitor):
    visitor = make_visitor(name="Vera")
    response = assign(agent_client, visitor, agent.pk)
    assert response.status_code == 302
    page = agent_client.get(response["Location"]).content.decode()
    assert "Vera is assigned to Ana Agent." in page


def test_bad_assignees_are_refused_and_other_workspaces_are_invisible(
    agent_client, make_visitor, other_owner
):
    visitor = make_visitor()
    for bad in ("abc", "99999", str(other_owner.pk), "1" * 40, "-1", "\uff11"):
        assert assign(agent_client, visitor, bad).status_code == 400
    elsewhere = make_visitor(in_workspace=other_owner.workspace)
    assert assign(agent_client, elsewhere, "").status_code == 404
    assert Visitor.objects.filter(assignee__isnull=False).count() == 0


def rows(client, query: str) -> list[str]:
    page = client.get(LIST + query, headers=HTMX).content.decode()
    return [name for name in ("Mia", "Una", "Wes", "Zed") if f">{name}<" in page]


def test_views_combine_with_tabs_and_filters_and_counts_follow(
    owner_client, owner, agent, make_visitor
):
    mia, _una = make_visitor(name="Mia"), make_visitor(name="Una")
    wes, zed = make_visitor(name="Wes"), make_visitor(name="Zed", status="lead")
    visitor_assign(visitor=mia, assignee=owner, actor=owner.user)
    visitor_assign(visitor=zed, assignee=owner, actor=owner.user)
    visitor_assign(visitor=wes, assignee=agent, actor=owner.user)
    Visitor.objects.filter(pk=wes.pk).update(waiting_since=timezone.now())
    assert rows(owner_client, "?view=mine") == ["Mia"]
    assert rows(owner_client, "?view=unassigned") == ["Una"]
    assert rows(owner_client, "?view=waiting") == ["Wes"]
    assert rows(owner_client, "?view=all") == ["Mia", "Una", "Wes"]
    assert rows(owner_client, f"?assignee={agent.pk}") == ["Wes"]
    assert rows(owner_client, "?view=mine&status=lead") == ["Zed"]
    page = owner_client.get(LIST + "?view=mine").content.decode()
    # Tabs count Mine: one new, one lead. Views count the New tab: all 3, mine 1, nobody's 1.
    assert page.count('<span class="tab__count">1</span>') >= 3
    assert '<span class="tab__count">3</span>' in page
    # Bad values are reported and ignored.
    page = owner_client.get(LIST + "?view=everyone&assignee=x").content.decode()
    assert "Select a valid choice" in page


def test_waiting_for_a_person_shows_who_waited_longest_first(owner_client, make_visitor):
    now = timezone.now()
    for name, minutes in (("Mia", 5), ("Una", 50), ("Wes", 20)):
        visitor = make_visitor(name=name)
        Visitor.objects.filter(pk=visitor.pk).update(
            waiting_since=now - dt.timedelta(minutes=minutes)
        )
    page = owner_client.get(LIST + "?view=waiting", headers=HTMX).content.decode()
    assert page.index(">Una<") < page.index(">Wes<") < page.index(">Mia<")
    assert "waiting 50 min" in page


def test_sorting_by_last_activity(owner_client, make_visitor):
    now = timezone.now()
    for name, minutes in (("Mia", 5), ("Una", None), ("Wes", 20)):
        visitor = make_visitor(name=name)
        if minutes is not None:
            Visitor.objects.filter(pk=visitor.pk).update(
                last_message_at=now - dt.timedelta(minutes=minutes)
            )
    page = owner_client.get(LIST + "?sort=-activity", headers=HTMX).content.decode()
    assert page.index(">Mia<") < page.index(">Wes<") < page.index(">Una<")


def test_times_are_said_as_a_list_of_conversations_says_them():
    now = timezone.now()
    assert ago(now) == "now"
    assert ago(now - dt.timedelta(minutes=2)) == "2 min"
    assert ago(timezone.localtime(now).replace(hour=12) - dt.timedelta(days=1)) == "yesterday"
    assert ago(now - dt.timedelta(days=30)) == timezone.localtime(
        now - dt.timedelta(days=30)
    ).strftime("%m/%d/%Y")
    assert ago(None) == ""


def test_an_agent_sees_assignment_in_another_workspace_as_404(make_visitor, other_owner):
    client = Client()
    client.force_login(other_owner.user)
    visitor = make_visitor()
    assert assign(client, visitor, str(other_owner.pk)).status_code == 404
