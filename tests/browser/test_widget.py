"""The widget and live chat in Chromium: a visitor on /demo/ and an agent on the Visitors page,
two browser contexts against a real server with WebSocket."""

import re

import pytest
from playwright.sync_api import expect

from tertulia.conversations.models import Message
from tertulia.visitors.models import Visitor
from tertulia.widget.services import token_hash
from tests.browser.conftest import assert_accessible, in_another_thread, log_in, screenshot


@pytest.fixture(autouse=True)
def _no_channel_layer():
    """This module runs a real ASGI server: the channel layer stays."""


@pytest.fixture
def demo_bot(bot, workspace):
    workspace.name = "Demo"
    workspace.save()
    bot.title = "Panadería Luna"
    bot.avatar = "PL"
    bot.colour = "#b45309"
    bot.save()
    return bot


def new_context(browser, server, **options):
    options.setdefault("locale", "en-US")
    context = browser.new_context(base_url=server.url, **options)
    context.set_default_timeout(10_000)
    return context


# The demo site is in Spanish, so the launcher speaks Spanish whatever the browser's language.
OPEN = "Abrir chat: Panadería Luna"
CLOSE = "Cerrar chat: Panadería Luna"


def open_widget(page):
    page.goto("/demo/")
    page.get_by_role("button", name=OPEN, exact=True).click()
    return page.frame_locator("iframe[title='Panadería Luna']")


def test_visitor_and_agent_chat_live(browser, asgi_server, demo_bot, owner):
    agent_context = new_context(browser, asgi_server, viewport={"width": 1400, "height": 900})
    agent = agent_context.new_page()
    log_in(agent, owner.user.email)
    agent.goto("/visitors/")
    agent.get_by_text("No visitors yet").wait_for()

    visitor_context = new_context(browser, asgi_server, viewport={"width": 1280, "height": 800})
    visitor_page = visitor_context.new_page()
    chat = open_widget(visitor_page)
    chat.get_by_text("What can we help you with?").wait_for()
    screenshot(visitor_page, "widget-desktop-greeting")
    expect(visitor_page.get_by_role("button", name=CLOSE, exact=True)).to_have_attribute(
        "aria-expanded", "true"
    )
    assert_accessible(visitor_page, "demo-site-chat-open")
    assert_accessible(chat, "widget-greeting")

    # The visitor appears on the agent's list without a reload, not engaged yet.
    agent.locator("#results tr[data-row]").first.wait_for()
    visitor = Visitor.objects.get(workspace=demo_bot.workspace)
    assert visitor.engaged is False
    agent.get_by_role("link", name=f"Visitor #{visitor.number}", exact=True).wait_for()

    chat.get_by_role("button", name="Sales").click()
    chat.get_by_label("Name").fill("Lucía <img src=x onerror=alert(1)>")
    chat.get_by_label("E-mail").fill("lucia@")
    chat.get_by_role("button", name="Send").first.click()
    chat.get_by_text("Enter a valid e-mail address").wait_for()
    chat.get_by_label("E-mail").fill("lucia@example.com")
    chat.get_by_role("button", name="Send").first.click()
    chat.get_by_text("A member of our team will join this chat shortly").wait_for()
    screenshot(visitor_page, "widget-desktop-form-sent")
    assert_accessible(chat, "widget-form-sent")

    # The Notification node moved the visitor to Leads; the agent's counts follow live.
    leads_tab = agent.locator("a.tab", has_text="Leads")
    leads_tab.locator("text=1").wait_for()
    leads_tab.click()
    row = agent.locator("#results .row-link", has_text="Lucía <img src=x onerror=alert(1)>")
    row.wait_for()
    row.click()
    agent.get_by_role("link", name="Conversation").click()
    reply = agent.get_by_label("Your message")
    reply.fill("Hola Lucía, ¿en qué te ayudo?")
    reply.press("Enter")
    agent.get_by_text("Live chat with Olga Owner").wait_for()
    screenshot(agent, "agent-conversation-live")
    assert_accessible(agent, "panel-live-chat")
    agent.locator(".bell__button").click()
    agent.get_by_text("Mark all as read").wait_for()
    screenshot(agent, "bell")
    assert_accessible(agent, "bell")
    agent.locator(".bell__button").click()

    chat.get_by_text("Hola Lucía, ¿en qué te ayudo?").wait_for()
    assert chat.locator(".msg.agent .who").last.inner_text() == "Olga Owner"
    assert_accessible(chat, "widget-live-chat")

    # The visitor writes; the agent's open conversation shows it without a reload (and the
    # list's row, refreshed live too, may already show it as its last message).
    chat.get_by_label("Message").fill("Quiero 20 hogazas para el viernes")
    chat.get_by_label("Message").press("Enter")
    agent.locator(".conversation").get_by_text("Quiero 20 hogazas para el viernes").wait_for()

    # A reload keeps the whole history (and the chat stays open).
    visitor_page.reload()
    chat = visitor_page.frame_locator("iframe[title='Panadería Luna']")
    chat.get_by_text("Quiero 20 hogazas para el viernes").wait_for()
    chat.get_by_text("Hola Lucía, ¿en qué te ayudo?").wait_for()

    # The connection drops (the server restarts): what is typed meanwhile waits in the outbox
    # and is stored once when the widget is back, though it may be sent more than once.
    asgi_server.stop()
    chat.locator("#connection").filter(has_text="Reconnecting").wait_for()
    chat.get_by_label("Message").fill("Escrito sin conexión")
    chat.get_by_label("Message").press("Enter")
    chat.get_by_text("Not sent yet").wait_for()
    screenshot(visitor_page, "widget-desktop-offline")
    assert_accessible(chat, "widget-offline")
    asgi_server.start()
    # Stored: the bubble says neither "Sending…" nor "Not sent yet" (the chat waits up to 15 s
    # between attempts, the dashboard up to 5 s).
    chat.locator(".msg.visitor .meta").last.filter(
        has_not_text=re.compile("Sending|Not sent")
    ).wait_for(timeout=30_000)
    agent.locator(".conversation").get_by_text("Escrito sin conexión").wait_for(timeout=20_000)
    assert Message.objects.filter(visitor=visitor, text="Escrito sin conexión").count() == 1

    # No visitor markup ever ran, in the widget or the dashboard.
    dialogs = []
    agent.on("dialog", lambda d: dialogs.append(d))
    visitor_page.on("dialog", lambda d: dialogs.append(d))
    agent.reload()
    assert dialogs == []
    agent_context.close()
    visitor_context.close()


def test_widget_on_a_phone_is_full_screen_and_in_spanish(browser, asgi_server, demo_bot):
    context = new_context(
        browser,
        asgi_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="es-ES",
    )
    page = context.new_page()
    page.goto("/demo/")
    page.get_by_role("button", name=OPEN, exact=True).click()
    chat = page.frame_locator("iframe[title='Panadería Luna']")
    # The flow speaks the language it was written in; the widget's own words follow the visitor.
    chat.get_by_role("button", name="Sales").wait_for()
    box = page.locator("iframe").bounding_box()
    assert box["width"] == 390 and box["height"] >= 800
    assert chat.get_by_placeholder("Escribe un mensaje…").is_visible()
    screenshot(page, "widget-phone-es")
    assert_accessible(chat, "widget-phone-es")
    # Closing the chat gives the page back.
    chat.get_by_role("button", name="Cerrar el chat").click()
    page.locator("iframe").wait_for(state="hidden")
    visitor = Visitor.objects.get()
    assert visitor.token_hash and visitor.token_hash != token_hash("")
    context.close()


def test_flow_editor(browser, asgi_server, bot, owner):
    context = new_context(browser, asgi_server, viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    log_in(page, owner.user.email)
    page.goto(f"/bots/{bot.pk}/")
    page.get_by_text("Embed on your site").wait_for()
    screenshot(page, "bot-settings")
    page.goto(f"/bots/{bot.pk}/flow/")
    page.get_by_text("What can we help you with?").wait_for()
    # Opening the editor starts no conversation; trying the flow starts a test conversation.
    page.wait_for_timeout(300)
    assert not Visitor.objects.exists()
    page.get_by_role("button", name="Start a test conversation").click()
    page.frame_locator("#preview").get_by_role("button", name="Sales").wait_for()
    screenshot(page, "flow-editor")
    assert Visitor.objects.get().is_preview

    # Add a message step and connect the "Other" option to it.
    page.locator("#new-node-type").select_option("message")
    page.get_by_role("button", name="Add", exact=True).click()
    card = page.locator("[data-node][data-id='message']")
    card.get_by_placeholder("Name of this step").fill("Other topics")
    card.get_by_label("Text").fill("Write your question and we will answer.")
    card.get_by_label("Next step").select_option("handoff")
    options = page.locator("[data-node][data-id='topic'] [data-row]")
    options.nth(2).get_by_label("Goes to").select_option("message")
    page.get_by_role("button", name="Save flow").click()
    page.get_by_text("Flow saved").wait_for()
    bot.refresh_from_db()
    nodes = {n["id"]: n for n in bot.flow["nodes"]}
    assert nodes["message"]["text"] == "Write your question and we will answer."
    assert nodes["topic"]["options"][2]["next"] == "message"

    # An unreachable step is refused with a clear message, and nothing is saved.
    page.locator("#new-node-type").select_option("end")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Save flow").click()
    page.get_by_text("“end” can never be reached").wait_for()
    screenshot(page, "flow-editor-problems")
    assert_accessible(page, "flow-editor-problems")
    bot.refresh_from_db()
    assert "end" not in {n["id"] for n in bot.flow["nodes"]}
    context.close()


def test_the_flow_editor_folds_its_steps_on_a_phone(browser, asgi_server, bot, owner):
    context = new_context(browser, asgi_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, owner.user.email)
    page.goto(f"/bots/{bot.pk}/flow/")
    topic = page.locator("[data-node][data-id='topic']")
    # Every step starts folded to one line: its text and its options.
    summary = topic.locator(".node__summary")
    summary.wait_for()
    assert summary.inner_text() == "What can we help you with? · Sales · Support · Other"
    assert not topic.get_by_label("Question").is_visible()
    start = page.locator("[data-node][data-id='start'] .node__summary")
    assert start.inner_text() == "→ Welcome (welcome)"  # where it goes
    toggles = page.get_by_role("button", name="Details of this step")
    assert toggles.count() == page.locator("[data-node]").count() > 2
    assert all(t.get_attribute("aria-expanded") == "false" for t in toggles.all())
    screenshot(page, "flow-editor-phone-folded")
    assert_accessible(page, "flow-editor-phone-folded")
    # Unfolded, a step's fields are there to edit; folded again, the line says what changed.
    topic.get_by_role("button", name="Details of this step").click()
    topic.get_by_label("Question").fill("How can we help?")
    screenshot(page, "flow-editor-phone-one-step")
    topic.get_by_role("button", name="Details of this step").click()
    assert summary.inner_text().startswith("How can we help? · Sales")
    # Folded steps are saved whole.
    page.get_by_role("button", name="Save flow").click()
    page.get_by_text("Flow saved").wait_for()
    bot.refresh_from_db()
    saved = {n["id"]: n for n in bot.flow["nodes"]}["topic"]
    assert saved["text"] == "How can we help?" and len(saved["options"]) == 3
    # On a wide screen the steps start unfolded; one button folds or unfolds them all.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    page.get_by_label("Question").first.wait_for()
    page.get_by_role("button", name="Fold every step", exact=True).click()
    assert page.locator(".node__body:visible").count() == 0
    screenshot(page, "flow-editor-folded")
    page.get_by_role("button", name="Unfold every step").click()
    assert page.locator(".node__summary:visible").count() == 0
    context.close()


def wait_for(condition, timeout: float = 8.0):
    """Poll the database until `condition()` is true (the server writes from its own thread)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_widget_reports_where_the_visitor_is_and_the_pages_visited(
    browser, asgi_server, demo_bot, settings
):
    from tertulia.visitors.models import PageView

    settings.DEMO_IP = "2.139.0.1"  # loopback stands for an address in Madrid
    context = new_context(
        browser,
        asgi_server,
        viewport={"width": 1280, "height": 800},
        locale="es-ES",
        timezone_id="Europe/Madrid",
    )
    page = context.new_page()
    page.goto("/demo/?utm_source=newsletter&utm_campaign=otono")
    page.get_by_role("button", name=OPEN, exact=True).click()
    page.frame_locator("iframe[title='Panadería Luna']").get_by_role(
        "button", name="Sales"
    ).wait_for()

    visitor = Visitor.objects.get()
    assert (visitor.country, visitor.region, visitor.city) == ("ES", "Madrid", "Madrid")
    assert str(visitor.ip) == "2.139.0.0"  # the workspace keeps addresses shortened
    assert "Chrome" in visitor.browser and visitor.device_type == "desktop"
    assert (visitor.languages, visitor.timezone, visitor.screen) == (
        "es-ES",
        "Europe/Madrid",
        "1280x800",
    )
    assert visitor.utm == {"utm_source": "newsletter", "utm_campaign": "otono"}
    assert visitor.landing_page.endswith("/demo/?utm_source=newsletter&utm_campaign=otono")

    def urls():
        return list(
            PageView.objects.filter(visitor=visitor).order_by("id").values_list("url", flat=True)
        )

    # A single-page site changes the address without a load.
    page.evaluate("history.pushState({}, '', '/demo/?step=2')")
    wait_for(lambda: len(urls()) == 2)
    # A new page: the chat loads in the background and says where the visitor is now.
    page.goto("/demo/?step=3")
    wait_for(lambda: len(urls()) == 3)
    assert [url.split("/demo/")[1] for url in urls()] == [
        "?utm_source=newsletter&utm_campaign=otono",
        "?step=2",
        "?step=3",
    ]
    assert Visitor.objects.count() == 1
    context.close()


def test_a_browser_whose_visitor_was_deleted_is_not_counted_again(
    browser, asgi_server, demo_bot, owner
):
    from tests.widget.client import member_post

    context = new_context(browser, asgi_server)
    page = context.new_page()
    open_widget(page).get_by_role("button", name="Sales").wait_for()
    member_post(asgi_server, owner.user, f"/visitors/{Visitor.objects.get().pk}/delete/", {})
    assert not Visitor.objects.exists()
    page.get_by_role("button", name=CLOSE, exact=True).click()  # closed, so it stays closed
    known = f"localStorage.getItem('tertulia-known-{demo_bot.public_key}')"
    # The open chat may already have heard of the deletion (its socket's next frame is refused
    # with 4401, and it forgets); if not, this browser still thinks it has a conversation.
    # Either way, the next page must not count it again: start from the harder case.
    page.evaluate(f"localStorage.setItem('tertulia-known-{demo_bot.public_key}', '1')")
    # Browsing on: the chat loads in the background, finds nothing to resume and creates nothing.
    page.goto("/demo/?again=1")
    wait_for(lambda: page.evaluate(known) is None)
    assert not Visitor.objects.exists()
    # Opening the chat starts a new conversation.
    open_widget(page).get_by_role("button", name="Sales").wait_for()
    assert Visitor.objects.count() == 1
    context.close()


def test_a_visitor_deleted_by_someone_else_leaves_the_agents_screen(
    browser, asgi_server, demo_bot, owner, agent
):
    from tests.widget.client import member_post, open_chat

    open_chat(asgi_server, demo_bot.public_key)
    visitor = Visitor.objects.get()
    context = new_context(browser, asgi_server, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    log_in(page, agent.user.email)
    page.goto(f"/visitors/?open={visitor.pk}")
    panel = page.get_by_role("complementary", name="Visitor details")
    expect(panel.get_by_role("heading", name=f"Visitor #{visitor.number}")).to_be_visible()
    page.locator("body[data-live]").wait_for(state="attached")  # the dashboard socket is open
    member_post(asgi_server, owner.user, f"/visitors/{visitor.pk}/delete/", {})
    expect(panel).to_be_hidden()
    expect(page.get_by_text("No visitors yet")).to_be_visible()
    context.close()


def test_a_dashboard_back_after_a_drop_shows_what_it_missed(
    browser, asgi_server, make_visitor, owner
):
    """A message stored while the agent's page had lost its socket (a server restart) shows in
    the open conversation once the socket is back, with no event left to tell it."""
    from tertulia.conversations.models import Sender
    from tertulia.conversations.services import message_post

    visitor = in_another_thread(make_visitor, name="Marta")
    in_another_thread(
        message_post, visitor=visitor, sender=Sender.VISITOR, text="Hola, ¿abrís el domingo?"
    )
    agent = new_context(browser, asgi_server).new_page()
    log_in(agent, owner.user.email)
    agent.goto(f"/visitors/?open={visitor.pk}&panel=conversation")
    agent.locator(".conversation").get_by_text("¿abrís el domingo?").wait_for()
    agent.wait_for_function("() => document.body.hasAttribute('data-live')")

    asgi_server.stop()
    agent.wait_for_function("() => !document.body.hasAttribute('data-live')")
    in_another_thread(
        message_post, visitor=visitor, sender=Sender.VISITOR, text="Escrito mientras tanto"
    )
    asgi_server.start()

    agent.wait_for_function("() => document.body.hasAttribute('data-live')", timeout=20_000)
    agent.locator(".conversation").get_by_text("Escrito mientras tanto").wait_for()
    expect(agent.locator(".conversation").get_by_text("Escrito mientras tanto")).to_have_count(1)


def test_a_message_heard_while_the_conversation_is_being_fetched_still_shows(
    browser, asgi_server, make_visitor, owner
):
    """The event of a message stored while the open conversation is being fetched (for an earlier
    message) fetches it again once that fetch is back: that fetch may have read before it."""
    from tertulia.conversations.models import Sender
    from tertulia.conversations.services import message_post

    visitor = in_another_thread(make_visitor, name="Marta")
    in_another_thread(message_post, visitor=visitor, sender=Sender.VISITOR, text="Primero")
    agent = new_context(browser, asgi_server).new_page()
    log_in(agent, owner.user.email)
    agent.goto(f"/visitors/?open={visitor.pk}&panel=conversation")
    agent.locator(".conversation").get_by_text("Primero").wait_for()
    agent.wait_for_function("() => document.body.hasAttribute('data-live')")

    fetches = []

    def hold_the_first(route):
        """The first refresh reads the conversation, then a message is stored (its event reaches
        the page) before the page gets that now outdated answer."""
        fetches.append(route.request.url)
        if len(fetches) > 1:
            route.continue_()
            return
        answer = route.fetch()
        in_another_thread(message_post, visitor=visitor, sender=Sender.VISITOR, text="Tercero")
        agent.wait_for_timeout(300)  # the event arrives while this answer is held
        route.fulfill(response=answer)

    agent.route(f"**/visitors/{visitor.pk}/conversation/**", hold_the_first)
    in_another_thread(message_post, visitor=visitor, sender=Sender.VISITOR, text="Segundo")
    conversation = agent.locator(".conversation")
    conversation.get_by_text("Tercero").wait_for()
    expect(conversation.get_by_text("Segundo")).to_have_count(1)
    expect(conversation.get_by_text("Tercero")).to_have_count(1)
    assert len(fetches) == 2
