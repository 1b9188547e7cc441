"""Known visitors in Chromium: a site that says who its user is (`identify`, signed by its
backend) on a laptop and on a phone, two browser contexts, continues one conversation; a forged
signature stays anonymous; `restart` starts a new conversation; `setParams`, `on("ready")` and
`getState` as a site's developer uses them."""

import html
import json

import pytest

from tertulia.conversations.identity import new_identity_secret, user_hash
from tertulia.conversations.models import Message, Sender
from tertulia.visitors.models import Visitor
from tests.browser.conftest import assert_accessible, screenshot

# The site's page, served by the browser itself at an address of the server: a page of another
# origin would be "public" to Chromium, which keeps those from loading scripts off loopback.
SHOP = "/shop-test"


@pytest.fixture(autouse=True)
def _no_channel_layer():
    """This module runs a real ASGI server: the channel layer stays."""


@pytest.fixture
def secret(workspace, bot):
    bot.title = "Shop chat"
    bot.save()
    workspace.identity_secret = new_identity_secret()
    workspace.save()
    return workspace.identity_secret


def shop_page(server, bot, calls: str) -> str:
    """The site's page: the embed snippet, then what its code tells the widget."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head>
<body><main><h1>Shop</h1><p>Welcome back.</p></main>
<script>window.Tertulia = window.Tertulia || function () {{
  (window.Tertulia.q = window.Tertulia.q || []).push(arguments); }};
window.ready = null;
Tertulia("on", "ready", function (state) {{ window.ready = state; }});
{calls}</script>
<script src="{html.escape(server.url)}/widget.js" data-bot="{bot.public_key}" async></script>
</body></html>"""


def visit(browser, server, bot, calls: str, **options):
    """A new browser (its own storage, like another device) on the site's page."""
    context = browser.new_context(locale="en-US", **options)
    context.set_default_timeout(10_000)
    body = shop_page(server, bot, calls)
    context.route(
        f"{server.url}{SHOP}/**",
        lambda route: route.fulfill(body=body, content_type="text/html"),
    )
    page = context.new_page()
    page.goto(f"{server.url}{SHOP}/account")
    page.wait_for_function("window.ready !== null")
    return context, page


def identify(user_id: str, user_hash_: str, **details) -> str:
    return f"Tertulia('identify', {json.dumps({'userId': user_id, 'userHash': user_hash_, **details})});"


def open_chat(page):
    page.get_by_role("button", name="Open chat: Shop chat").click()
    return page.frame_locator("iframe[title='Shop chat']")


def write(chat, text: str) -> None:
    # The box shows before the chat's script runs: typing that early would be a new line.
    chat.locator(".msg.bot").first.wait_for()
    chat.get_by_label("Message").fill(text)
    chat.get_by_label("Message").press("Enter")
    chat.locator(".msg.visitor", has_text=text).locator(".meta").filter(
        has_not_text="Sending"
    ).wait_for()


def state(page) -> dict:
    return page.evaluate("Tertulia('getState')")


def test_a_verified_user_continues_on_another_device_and_a_forged_one_stays_anonymous(
    browser, asgi_server, bot, secret
):
    signed = identify("cust-81", user_hash(secret, "cust-81"), name="Marta Gil", plan="gold")
    laptop, page = visit(browser, asgi_server, bot, signed, viewport={"width": 1280, "height": 800})
    assert page.evaluate("window.ready")["ready"] is True
    chat = open_chat(page)
    write(chat, "Hola desde el portátil")
    page.wait_for_function("Tertulia('getState').identity === 'verified'")
    visitor = Visitor.objects.get(external_id="cust-81")
    assert (visitor.name, visitor.attributes, visitor.identity_verified) == (
        "Marta Gil",
        {"plan": "gold"},
        True,
    )
    assert state(page)["visitor"] == visitor.number

    # The same person on a phone: the conversation is there before they write.
    phone, phone_page = visit(
        browser, asgi_server, bot, signed, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    phone_page.wait_for_function("Tertulia('getState').visitor !== null")
    phone_chat = open_chat(phone_page)
    phone_chat.get_by_text("Hola desde el portátil").wait_for()
    write(phone_chat, "Y ahora desde el móvil")
    screenshot(phone_page, "widget-phone-known-visitor")
    assert_accessible(phone_chat, "widget-known-visitor")
    # ...and the laptop sees the phone's message live.
    chat.get_by_text("Y ahora desde el móvil").wait_for()
    said = Message.objects.filter(visitor=visitor, sender=Sender.VISITOR).order_by("id")
    assert list(said.values_list("text", flat=True)) == [
        "Hola desde el portátil",
        "Y ahora desde el móvil",
    ]
    assert Visitor.objects.count() == 1

    # A forged signature: refused, told to the site's console, a new anonymous conversation.
    forged = identify("cust-81", "0" * 64, name="Mallory")
    stranger, stranger_page = visit(browser, asgi_server, bot, forged)
    warnings = []
    stranger_page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    stranger_chat = open_chat(stranger_page)
    write(stranger_chat, "Soy otra persona")
    stranger_page.wait_for_function("Tertulia('getState').identity === 'refused'")
    assert stranger_chat.get_by_text("Hola desde el portátil").count() == 0
    newcomer = Visitor.objects.exclude(pk=visitor.pk).get()
    assert (newcomer.name, newcomer.external_id, newcomer.identity_verified) == (None, None, False)
    assert any("userHash" in warning for warning in warnings)

    # Logging out: restart. The next chat is a new conversation; the old one is not shown.
    page.evaluate("Tertulia('restart')")
    page.wait_for_function("Tertulia('getState').visitor === null && !Tertulia('getState').open")
    chat.get_by_text("Hola desde el portátil").wait_for(state="detached")
    chat = open_chat(page)
    write(chat, "Otra consulta, sin sesión")
    page.wait_for_function("Tertulia('getState').visitor !== null")
    third = state(page)
    assert third["identity"] == "anonymous" and third["visitor"] != visitor.number
    assert Visitor.objects.count() == 3
    for context in (laptop, phone, stranger):
        context.close()


def test_set_params_and_restart_before_the_chat_loads(browser, asgi_server, bot, secret):
    context, page = visit(browser, asgi_server, bot, "Tertulia('setParams', {order: 'A-17'});")
    chat = open_chat(page)
    write(chat, "¿Dónde está mi pedido?")
    assert Visitor.objects.get().attributes == {"order": "A-17"}
    page.evaluate("Tertulia('setParams', {plan: 'pro'})")
    page.wait_for_function("true")
    visitor = Visitor.objects.get()
    for _ in range(50):
        visitor.refresh_from_db()
        if "plan" in visitor.attributes:
            break
        page.wait_for_timeout(100)
    assert visitor.attributes == {"order": "A-17", "plan": "pro"}

    # Restart asked for on a page where the chat is not loaded yet (right after a log-out).
    page.evaluate(
        "key => { sessionStorage.clear(); localStorage.removeItem('tertulia-known-' + key); }",
        bot.public_key,
    )
    page.reload()
    page.wait_for_function("window.ready !== null")
    page.evaluate("Tertulia('restart')")
    chat = open_chat(page)
    write(chat, "Una conversación nueva")
    assert chat.get_by_text("¿Dónde está mi pedido?").count() == 0
    assert Visitor.objects.count() == 2

    # Restart while the chat is still loading in the background (this browser has a
    # conversation, so every page loads it at once): the conversation it resumes is dropped.
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.wait_for_function("window.ready !== null")
    page.evaluate("Tertulia('restart')")
    chat = open_chat(page)
    write(chat, "Y otra más")
    assert chat.get_by_text("Una conversación nueva").count() == 0
    assert Visitor.objects.count() == 3
    context.close()
