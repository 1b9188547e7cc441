"""Private notes in Chromium: Olga writes a note mentioning Ana while a visitor has the chat
open; Ana's bell shows it and the visitor's widget never does."""

import pytest
from playwright.sync_api import expect

from tertulia.conversations.models import Message, MessageKind
from tertulia.notifications.models import Notification, NotificationKind
from tertulia.visitors.models import Visitor
from tests.browser.conftest import assert_accessible, log_in, screenshot
from tests.browser.test_widget import new_context, open_widget

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_bot(bot, workspace):
    """The bot of the demo site (/demo/ shows the widget of the workspace called Demo)."""
    workspace.name = "Demo"
    workspace.save()
    bot.title = "Panadería Luna"
    bot.save()
    return bot


def test_a_note_mentions_a_colleague_and_never_reaches_the_visitor(
    browser, asgi_server, demo_bot, owner, agent
):
    visitor_context = new_context(browser, asgi_server, viewport={"width": 390, "height": 844})
    ana_context = new_context(browser, asgi_server, viewport={"width": 1400, "height": 900})
    olga_context = new_context(browser, asgi_server, viewport={"width": 1400, "height": 900})
    try:
        chat = open_widget(visitor_context.new_page())
        chat.get_by_text("What can we help you with?").wait_for()
        visitor = Visitor.objects.get(workspace=owner.workspace)

        ana = ana_context.new_page()
        log_in(ana, agent.user.email)
        olga = olga_context.new_page()
        log_in(olga, owner.user.email)
        olga.get_by_role("link", name=visitor.display_name, exact=True).click()
        olga.get_by_role("link", name="Conversation").click()
        olga.get_by_text("Private note").click()
        box = olga.get_by_label("Your message")
        expect(box).to_have_attribute(
            "placeholder", "A note only your team sees; @name mentions someone"
        )
        box.fill("@ana can you call them back? <b>VIP</b>")
        box.press("Enter")
        note = olga.locator(".msg--note")
        expect(note).to_contain_text("@ana can you call them back? <b>VIP</b>")
        # The box stays in note mode for the next one.
        expect(olga.get_by_label("Private note")).to_be_checked()
        screenshot(olga, "note-written")
        assert_accessible(olga, "note-written")

        # Ana's bell rings, live.
        expect(ana.locator(".bell__count")).to_have_text("1")
        ana.locator(".bell__button").click()
        expect(ana.get_by_text("Olga Owner mentioned you about")).to_be_visible()
        screenshot(ana, "note-mention-bell")
        assert Notification.objects.get(member=agent).kind == NotificationKind.MENTION
        assert not Notification.objects.filter(member=owner).exists()  # not the writer

        # The visitor's widget, open all along, never shows it; nor does a reload.
        chat.get_by_label("Message").fill("Hola")
        chat.get_by_label("Message").press("Enter")
        chat.get_by_text("Hola", exact=True).wait_for()
        expect(chat.get_by_text("call them back")).to_have_count(0)
        assert Message.objects.filter(visitor=visitor, kind=MessageKind.NOTE).count() == 1
    finally:
        for context in (visitor_context, ana_context, olga_context):
            context.close()
