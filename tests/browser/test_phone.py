"""The Visitors page on a phone, and with the keyboard only."""

import re

import pytest
from playwright.sync_api import expect

from tertulia.conversations.models import Sender
from tertulia.conversations.services import message_post
from tertulia.demo.seeding import seed_visitors
from tests.browser.conftest import assert_accessible, live_server_context, log_in, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_NAME = "Maximiliana Esperanza de los Ángeles Fernández-Villaverde y Santisteban"
LONG_EMAIL = "maximiliana.esperanza.fernandez-villaverde.santisteban@correo-muy-largo.example"

# What the phone test reads and taps, in the agent's language.
WORDS = {
    "en": {
        "details": "Visitor details",
        "status": "Status",
        "back": "Back",
        "conversation": "Conversation",
        "reply": "Your message",
        "send": "Send",
        "lead": "Lead",
        "show_filters": "Show filters",
        "hide_filters": "Hide filters",
        "country": "Country",
    },
    "es": {
        "details": "Detalles del visitante",
        "status": "Estado",
        "back": "Volver",
        "conversation": "Conversación",
        "reply": "Tu mensaje",
        "send": "Enviar",
        "lead": "Prospecto",
        "show_filters": "Mostrar filtros",
        "hide_filters": "Ocultar filtros",
        "country": "País",
    },
}


@pytest.fixture
def visitors(workspace, bot, make_visitor):
    """Seeded visitors, one with a long conversation and one with a very long name and e-mail."""
    seed_visitors(workspace=workspace, bot=bot, count=12, seed=5, days=20)
    lucia = make_visitor(
        name="Lucía Fernández",
        email="lucia@tienda.es",
        phone="+34612345678",
        country="ES",
        region="Madrid",
        city="Madrid",
        engaged=True,
    )
    message_post(visitor=lucia, sender=Sender.BOT, text="Hi! How can we help?")
    for number in range(12):
        message_post(visitor=lucia, sender=Sender.VISITOR, text=f"Question number {number + 1}?")
        message_post(visitor=lucia, sender=Sender.BOT, text=f"Answer number {number + 1}.")
    message_post(visitor=lucia, sender=Sender.VISITOR, text="Do you ship to Canarias?")
    long_one = make_visitor(
        name=LONG_NAME, email=LONG_EMAIL, country="AR", region="Buenos Aires", city="Buenos Aires"
    )
    message_post(visitor=long_one, sender=Sender.VISITOR, text="Hola")
    return {"lucia": lucia, "long": long_one}


@pytest.fixture
def phone_page(browser, live_server, transactional_db):
    context = live_server_context(
        browser,
        live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("language", ["en", "es"])
def test_phone_list_panel_reply_and_status(phone_page, visitors, spanish_agent, language):
    page = phone_page
    words = WORDS[language]
    log_in(page, "owner@acme.test" if language == "en" else spanish_agent.user.email)
    page.goto("/visitors/")

    # The list is cards; the long name and e-mail end in an ellipsis instead of widening it.
    long_row = page.locator(f'tr[data-visitor="{visitors["long"].pk}"]')
    expect(long_row.get_by_role("link", name=LONG_NAME)).to_be_visible()
    expect(long_row.get_by_title(LONG_EMAIL)).to_be_visible()
    assert long_row.bounding_box()["width"] <= PHONE["width"]
    assert page_width(page) <= PHONE["width"]
    screenshot(page, f"phone-list-{language}")
    assert_accessible(page, f"phone-list-{language}")

    # The filters open as a sheet over the list and close with their own button.
    page.get_by_text(words["show_filters"]).tap()
    country = page.get_by_label(words["country"])
    expect(country).to_be_in_viewport()
    assert page_width(page) <= PHONE["width"]
    screenshot(page, f"phone-filters-{language}")
    page.get_by_text(words["hide_filters"]).tap()
    expect(country).to_be_hidden()

    # A tapped visitor fills the screen, with Back, the sub-tabs and the reply box at hand.
    page.locator(f'tr[data-visitor="{visitors["lucia"].pk}"]').get_by_role("link").first.tap()
    panel = page.get_by_role("complementary", name=words["details"])
    heading = panel.get_by_role("heading", name="Lucía Fernández")
    expect(heading).to_be_in_viewport()
    box = panel.bounding_box()
    assert (box["x"], box["y"], box["width"]) == (0, 0, PHONE["width"])
    expect(panel.get_by_role("link", name=words["back"])).to_be_visible()
    # What the panel covers is out of the Tab order.
    assert page.evaluate("document.getElementById('results').closest('[inert]') !== null")
    assert page_width(page) <= PHONE["width"]
    screenshot(page, f"phone-panel-info-{language}")

    panel.get_by_role("link", name=words["conversation"]).tap()
    reply = panel.get_by_label(words["reply"], exact=True)
    expect(reply).to_be_in_viewport()
    expect(panel.get_by_role("link", name=words["back"])).to_be_in_viewport()
    screenshot(page, f"phone-panel-conversation-{language}")
    assert_accessible(page, f"phone-panel-conversation-{language}")

    reply.tap()
    reply.fill("Yes, in 48 hours.")
    panel.get_by_role("button", name=words["send"]).tap()
    expect(panel.get_by_role("list", name=words["conversation"])).to_contain_text(
        "Yes, in 48 hours."
    )
    expect(reply).to_have_value("")
    expect(reply).to_be_in_viewport()

    lead = panel.get_by_role("button", name=words["lead"], exact=True)
    lead.tap()
    expect(panel.get_by_role("button", name=words["lead"], exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page_width(page) <= PHONE["width"]
    screenshot(page, f"phone-panel-status-{language}")

    panel.get_by_role("link", name=words["back"]).tap()
    expect(panel).to_be_hidden()
    assert page.evaluate("document.querySelector('[inert]') === null")
    expect(page.get_by_role("navigation", name=words["status"])).to_be_visible()
    assert page_width(page) <= PHONE["width"]


def test_keyboard_opens_and_closes_the_panel_with_focus_in_the_right_place(page, visitors):
    log_in(page, "owner@acme.test")
    page.goto("/visitors/?sort=name")
    lucia = visitors["lucia"]
    row_link = page.locator(f'tr[data-visitor="{lucia.pk}"] .row-link')
    row_link.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("complementary", name="Visitor details")
    heading = panel.get_by_role("heading", name="Lucía Fernández")
    expect(heading).to_be_focused()

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(row_link).to_be_focused()

    # A sub-tab chosen with the keyboard keeps the focus.
    page.keyboard.press("Enter")
    expect(heading).to_be_focused()
    conversation_tab = panel.get_by_role("link", name="Conversation")
    conversation_tab.focus()
    page.keyboard.press("Enter")
    expect(conversation_tab).to_have_attribute("aria-current", "true")
    expect(conversation_tab).to_be_focused()

    # Escape in a reply box with text leaves the box and keeps the text; the next closes the panel,
    # and the text is back when the visitor is opened again.
    reply = panel.get_by_label("Your message")
    reply.fill("Half-written answer")
    page.keyboard.press("Escape")
    expect(panel).to_be_visible()
    expect(reply).to_have_value("Half-written answer")
    expect(heading).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(row_link).to_be_focused()
    page.keyboard.press("Enter")
    panel.get_by_role("link", name="Conversation").click()
    expect(panel.get_by_label("Your message")).to_have_value("Half-written answer")

    # A status chosen with the keyboard keeps the focus on the pressed button.
    lead = panel.get_by_role("button", name="Lead", exact=True)
    lead.focus()
    page.keyboard.press("Enter")
    expect(lead).to_have_attribute("aria-pressed", "true")
    expect(lead).to_be_focused()

    # So does a list tab (once the list has finished reloading after the status change).
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    tab = page.get_by_role("navigation", name="Status").get_by_role(
        "link", name=re.compile("^Leads")
    )
    tab.focus()
    page.keyboard.press("Enter")
    expect(tab).to_have_attribute("aria-current", "page")
    expect(tab).to_be_focused()
    screenshot(page, "keyboard-tab-focus")
