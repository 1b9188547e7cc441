"""Nothing a visitor sends is lost, whatever the timing: before the chat has started, while the
bot's greeting is still "typing", and across a dropped connection. Chromium against a real server
with WebSocket."""

import time

import pytest

from tertulia.conversations.models import Message, Sender
from tertulia.visitors.models import Visitor
from tests.browser.test_widget import OPEN, demo_bot, new_context  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _no_channel_layer():
    """This module runs a real ASGI server: the channel layer stays."""


@pytest.fixture
def slow_bot(demo_bot):  # noqa: F811
    """The bot takes three seconds of "typing" before each message it says."""
    for node in demo_bot.flow["nodes"]:
        if node["type"] == "message":
            node["delay_ms"] = 3000
    demo_bot.save(update_fields=["flow"])
    return demo_bot


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def sent(chat, text):
    """The visitor's bubble with `text`: there once, and no longer "Sending…"."""
    bubble = chat.locator(".msg.visitor", has_text=text)
    bubble.locator(".meta").filter(has_not_text="Sending").wait_for(timeout=15_000)
    assert bubble.count() == 1


def stored(text):
    wait_until(lambda: Message.objects.filter(sender=Sender.VISITOR, text=text).exists())
    return Message.objects.filter(sender=Sender.VISITOR, text=text).count()


def test_a_message_written_before_the_chat_has_started_is_sent(browser, asgi_server, slow_bot):
    context = new_context(browser, asgi_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    # Hold the chat's start request, so the visitor writes before the conversation exists.
    held = []
    context.route("**/widget/*/open", lambda route: held.append(route))
    page.goto("/demo/")
    page.get_by_role("button", name=OPEN, exact=True).click()
    chat = page.frame_locator("iframe[title='Panadería Luna']")
    chat.get_by_label("Message").fill("¿Abrís el domingo?")
    chat.get_by_label("Message").press("Enter")
    page.wait_for_timeout(100)
    while not held:
        page.wait_for_timeout(50)
    assert not Visitor.objects.exists()
    held[0].continue_()
    context.unroute("**/widget/*/open")

    sent(chat, "¿Abrís el domingo?")
    assert stored("¿Abrís el domingo?") == 1
    chat.get_by_text("What can we help you with?").first.wait_for()
    # Still there, once, after a reload.
    page.reload()
    chat = page.frame_locator("iframe[title='Panadería Luna']")
    chat.get_by_text("What can we help you with?").first.wait_for()
    assert chat.locator(".msg.visitor", has_text="¿Abrís el domingo?").count() == 1
    context.close()


def test_a_message_written_while_the_bot_is_typing_is_sent(browser, asgi_server, slow_bot):
    context = new_context(browser, asgi_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/demo/")
    page.get_by_role("button", name=OPEN, exact=True).click()
    chat = page.frame_locator("iframe[title='Panadería Luna']")
    chat.get_by_role("button", name="Sales").wait_for()
    chat.get_by_label("Message").fill("Hola, una pregunta")
    chat.get_by_label("Message").press("Enter")
    # The bot answers after three seconds of "typing", named as the bot (not the host page).
    typing = chat.locator("#typing")
    typing.filter(has_text="Panadería Luna is typing").wait_for()
    chat.get_by_label("Message").fill("Y otra más")
    chat.get_by_label("Message").press("Enter")
    assert typing.is_visible()

    sent(chat, "Hola, una pregunta")
    sent(chat, "Y otra más")
    chat.get_by_text("We have your message").first.wait_for()
    assert stored("Hola, una pregunta") == 1
    assert stored("Y otra más") == 1
    context.close()


def test_a_message_sent_as_the_connection_drops_is_stored_once(
    browser,
    asgi_server,
    demo_bot,  # noqa: F811
):
    context = new_context(browser, asgi_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/demo/")
    page.get_by_role("button", name=OPEN, exact=True).click()
    chat = page.frame_locator("iframe[title='Panadería Luna']")
    chat.get_by_role("button", name="Sales").wait_for()

    for attempt in range(3):
        text = f"Mensaje {attempt} al cortarse"
        chat.get_by_label("Message").fill(text)
        chat.get_by_label("Message").press("Enter")
        asgi_server.restart()  # whether or not the server stored it, the widget sends it again
        sent(chat, text)
        assert stored(text) == 1
    context.close()
