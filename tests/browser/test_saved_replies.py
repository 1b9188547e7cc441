"""Saved replies in Chromium: kept on their page, inserted with "/" and filled for the visitor."""

import pytest
from playwright.sync_api import expect

from tertulia.conversations.models import Message, Sender
from tertulia.conversations.replies import saved_reply_save
from tertulia.conversations.services import message_post
from tertulia.visitors.services import visitor_create
from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_agent_inserts_a_saved_reply_with_slash_and_it_names_the_visitor(
    page, owner, agent, bot
):
    saved_reply_save(
        member=owner,
        data={
            "title": "Opening hours",
            "shortcut": "hours",
            "language": "",
            "text": "Hi {name}, we open from 9 to 14. — {agent}",
        },
        personal=False,
    )
    saved_reply_save(
        member=owner,
        data={"title": "Shipping", "shortcut": "ship", "language": "", "text": "48 hours."},
        personal=False,
    )
    visitor = visitor_create(workspace=owner.workspace, bot=bot, name="Lucía <b>", engaged=True)
    message_post(visitor=visitor, sender=Sender.VISITOR, text="¿Abrís hoy?")

    log_in(page, agent.user.email)
    page.get_by_role("link", name="Saved replies").click()
    expect(page.get_by_text("/hours")).to_be_visible()
    screenshot(page, "saved-replies-page")
    assert_accessible(page, "saved-replies-page")

    page.get_by_role("link", name="Visitors").click()
    page.get_by_role("link", name="Lucía <b>", exact=True).click()
    page.get_by_role("link", name="Conversation").click()
    box = page.get_by_label("Your message")
    box.fill("/")
    picker = page.get_by_role("listbox", name="Saved replies")
    expect(picker.get_by_role("option")).to_have_count(2)
    box.press_sequentially("ho")
    expect(picker.get_by_role("option")).to_have_count(1)
    screenshot(page, "saved-replies-picker")
    assert_accessible(page, "saved-replies-picker")
    box.press("Enter")  # inserts, does not send
    expect(box).to_have_value("Hi Lucía <b>, we open from 9 to 14. — Ana Agent")
    expect(picker).to_be_hidden()
    box.press("End")
    box.press_sequentially(" See you!")
    box.press("Enter")  # now it sends
    expect(page.locator(".msg--agent").last).to_contain_text(
        "Hi Lucía <b>, we open from 9 to 14. — Ana Agent See you!"
    )
    assert Message.objects.filter(visitor=visitor, sender=Sender.AGENT).count() == 1

    # Escape closes the list and keeps the panel open.
    box.fill("/zz")
    expect(picker.get_by_text("No saved reply matches.")).to_be_visible()
    box.press("Escape")
    expect(picker).to_be_hidden()
    expect(page.locator("#panel-title")).to_be_visible()
