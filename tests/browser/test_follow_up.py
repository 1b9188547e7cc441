"""The page behind the "stop e-mails about this chat" link, as a visitor opens it."""

import pytest
from playwright.sync_api import expect

from tertulia.conversations.follow_up import stop_token
from tests.browser.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_the_stop_emails_page_reads_well_on_a_phone_and_a_desktop(page, make_visitor):
    visitor = make_visitor(name="Vera", email="vera@example.org")
    page.goto(f"/chat/stop-emails/{stop_token(visitor)}/")
    expect(page.get_by_role("heading")).to_have_text("You will get no more e-mails about this chat")
    screenshot(page, "stop-emails")
    assert_accessible(page, "stop-emails")


def test_after_the_chat_ends_the_visitor_has_it_emailed(browser, asgi_server, bot, workspace):
    from tertulia.flows.services import flow_save
    from tertulia.notifications.models import Delivery
    from tests.browser.test_widget import new_context, open_widget

    workspace.name = "Demo"  # /demo/ shows the widget of the workspace called Demo
    workspace.save()
    bot.title = "Panadería Luna"
    bot.save()
    flow_save(
        bot=bot,
        flow={
            "nodes": [
                {"id": "start", "type": "start", "next": "ask"},
                {
                    "id": "ask",
                    "type": "form",
                    "text": "Where can we write to you?",
                    "fields": [
                        {"name": "email", "label": "E-mail", "type": "email", "required": True}
                    ],
                    "next": "bye",
                },
                {"id": "bye", "type": "end", "text": "Thanks, bye!"},
            ]
        },
    )
    context = new_context(browser, asgi_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        chat = open_widget(page)
        button = chat.get_by_role("button", name="E-mail me this conversation")
        expect(button).to_be_hidden()  # no address yet, and the chat goes on
        chat.get_by_label("E-mail").fill("zoe@example.org")
        chat.get_by_role("button", name="Send").first.click()
        chat.get_by_text("Thanks, bye!").wait_for()
        button.click()
        expect(chat.get_by_text("Sent. Check your inbox.")).to_be_visible()
        screenshot(page, "widget-transcript-sent")
        assert_accessible(chat, "widget-transcript-sent")
        assert Delivery.objects.filter(event="transcript", target="zoe@example.org").count() == 1
    finally:
        context.close()
