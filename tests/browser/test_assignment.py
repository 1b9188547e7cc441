"""Two agents share the Visitors page: whose conversation it is, seen live by the other."""

import pytest
from playwright.sync_api import expect

from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.conversations.services import message_post
from tertulia.visitors.services import visitor_create
from tests.browser.conftest import assert_accessible, in_another_thread, log_in, screenshot

pytestmark = pytest.mark.browser


def open_dashboard(browser, server, email, *, width=1400, height=900):
    context = browser.new_context(
        base_url=server.url, viewport={"width": width, "height": height}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, email)
    return context, page


def test_one_agent_takes_a_visitor_and_the_other_sees_it_leave_unassigned(
    browser, asgi_server, owner, agent, bot
):
    vera = in_another_thread(
        visitor_create, workspace=owner.workspace, bot=bot, name="Vera Visitor", engaged=True
    )
    in_another_thread(
        message_post, visitor=vera, sender=Sender.VISITOR, text="<b>Do you open on Sundays?</b>"
    )
    in_another_thread(visitor_create, workspace=owner.workspace, bot=bot, name="Otto Other")

    ana_context, ana = open_dashboard(browser, asgi_server, agent.user.email)
    olga_context, olga = open_dashboard(browser, asgi_server, owner.user.email)
    try:
        # Olga watches the Unassigned view; both visitors are there.
        olga.get_by_role("link", name="Unassigned").click()
        rows = olga.locator("#results tbody tr")
        expect(rows).to_have_count(2)
        vera_row = rows.filter(has_text="Vera Visitor")
        # The last message, escaped, one line under the name.
        expect(vera_row.locator(".row-preview")).to_have_text("<b>Do you open on Sundays?</b>")
        expect(olga.locator(".view--active .tab__count")).to_have_text("2")

        # Ana opens Vera and takes her.
        ana.get_by_role("link", name="Vera Visitor", exact=True).click()
        expect(ana.locator("#panel-title")).to_have_text("Vera Visitor")
        ana.get_by_role("button", name="Assign to me").click()
        expect(ana.locator("#panel").get_by_label("Assigned to")).to_have_value(str(agent.pk))
        screenshot(ana, "assignment-panel")
        assert_accessible(ana, "assignment-panel")

        # Olga's list follows live: Vera leaves Unassigned, Mine of Ana counts her.
        expect(rows).to_have_count(1)
        expect(olga.locator(".view--active .tab__count")).to_have_text("1")
        olga.get_by_role("link", name="All").click()
        vera_row = olga.locator("#results tbody tr").filter(has_text="Vera Visitor")
        expect(vera_row.locator(".cell-assignee")).to_contain_text("Ana Agent")
        screenshot(olga, "assignment-list")
        assert_accessible(olga, "assignment-list")

        # The conversation says who assigned whom; members only.
        line = Message.objects.get(visitor=vera, kind=MessageKind.ASSIGNMENT)
        assert line.payload["name"] == "Ana Agent" and line.agent == agent.user
        ana.get_by_role("link", name="Conversation").click()
        expect(ana.locator(".msg--assignment")).to_contain_text("Assigned to Ana Agent")

        # Mine on Ana's page holds Vera only.
        ana.get_by_role("link", name="Mine").click()
        expect(ana.locator("#results tbody tr")).to_have_count(1)

        # On a phone the card shows the preview and the assignee, and nothing is too wide.
        phone_context, phone = open_dashboard(
            browser, asgi_server, owner.user.email, width=390, height=844
        )
        try:
            expect(phone.locator(".row-preview").first).to_be_visible()
            screenshot(phone, "assignment-list-phone")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            phone_context.close()
    finally:
        ana_context.close()
        olga_context.close()


def test_replying_to_an_unassigned_visitor_assigns_it_to_the_replier(page, agent, bot):
    visitor = visitor_create(workspace=agent.workspace, bot=bot, name="Rita Reply", engaged=True)
    message_post(visitor=visitor, sender=Sender.VISITOR, text="Hello?")
    log_in(page, agent.user.email)
    page.get_by_role("link", name="Rita Reply", exact=True).click()
    page.get_by_role("link", name="Conversation").click()
    page.get_by_label("Your message").fill("Hi Rita, how can I help?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg--assignment")).to_contain_text("Assigned to Ana Agent")
    visitor.refresh_from_db()
    assert visitor.assignee == agent
