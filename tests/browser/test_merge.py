"""Merging two visitors in Chromium: from a visitor's panel, find the other one, choose whose
name stays, merge, and read one conversation with every message of both; at desktop and phone
size with axe."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tertulia.conversations.models import Message, Sender
from tertulia.conversations.services import message_post
from tertulia.visitors.models import Visitor
from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


def said(visitor, text, minutes_ago):
    message = message_post(visitor=visitor, sender=Sender.VISITOR, text=text)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    Message.objects.filter(pk=message.pk).update(created_at=at)


@pytest.fixture
def pair(make_visitor):
    """One person who wrote from a laptop, then from a phone with their full name and e-mail."""
    laptop = make_visitor(name="Lucía", country="ES", city="Madrid", region="Madrid")
    phone = make_visitor(
        name="Lucía Fernández Villanueva",
        email="lucia.fernandez.villanueva@tienda-de-ejemplo.es",
        phone="+34612345678",
        external_id="customer-00042-madrid",
        identity_verified_at=timezone.now(),
    )
    make_visitor(name="Luis Ortega", email="luis@example.com")
    said(laptop, "Hola, ¿enviáis a Canarias?", 50)
    said(phone, "Soy Lucía otra vez, desde el móvil", 40)
    said(laptop, "Pedido 1234, por favor", 30)
    said(phone, "Gracias por la respuesta", 20)
    return laptop, phone


def test_an_owner_merges_two_visitors_from_the_panel(page, owner, pair):
    laptop, phone = pair
    log_in(page, owner.user.email)
    page.goto(f"/visitors/?open={laptop.pk}")
    panel = page.get_by_role("complementary")
    action = panel.get_by_role("link", name="Merge with another visitor…")
    action.scroll_into_view_if_needed()
    screenshot(page, "merge-action-in-panel")
    action.click()

    expect(page.get_by_role("heading", name="Merge Lucía with another visitor")).to_be_visible()
    page.get_by_role("searchbox", name="Search by name, e-mail or phone").fill("lucia")
    page.get_by_role("button", name="Search").click()
    matches = page.get_by_role("region", name="Visitors matching “lucia”")
    expect(matches.get_by_role("listitem")).to_have_count(1)  # not Lucía herself, not Luis
    expect(matches.get_by_text("Gracias por la respuesta")).to_be_visible()
    screenshot(page, "merge-pick", full_page=True)
    assert_accessible(page, "merge-pick")

    matches.get_by_role("link", name="Choose Lucía Fernández Villanueva").click()
    expect(page.get_by_role("heading", name="Merge two visitors")).to_be_visible()
    name = page.get_by_role("group", name="Name")
    expect(name.get_by_role("radio", name=f"Lucía (#{laptop.number}): Lucía")).to_be_checked()
    user_id = page.get_by_role("group", name="User ID")
    expect(user_id.get_by_role("radio", name="verified")).to_be_checked()  # none here
    name.get_by_role("radio", name="Lucía Fernández Villanueva").check()
    expect(page.get_by_text("It cannot be undone.")).to_be_visible()
    screenshot(page, "merge-compare", full_page=True)
    assert_accessible(page, "merge-compare")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "merge-compare-phone", full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})

    page.get_by_role("button", name="Merge", exact=True).click()
    expect(
        page.get_by_text(f"Visitor #{phone.number} was merged into this visitor")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Lucía Fernández Villanueva", level=1)).to_be_visible()
    conversation = page.get_by_role("region", name="Conversation")
    for text in (
        "Hola, ¿enviáis a Canarias?",
        "Soy Lucía otra vez, desde el móvil",
        "Pedido 1234, por favor",
        "Gracias por la respuesta",
    ):
        expect(conversation.get_by_text(text)).to_be_visible()
    assert_accessible(page, "merge-done")
    # Tall enough for the whole conversation above the reply box (it stays at the screen's foot).
    page.set_viewport_size({"width": 1280, "height": 1100})
    screenshot(page, "merge-done")
    assert not Visitor.objects.filter(pk=phone.pk).exists()
    laptop.refresh_from_db()
    assert laptop.name == "Lucía Fernández Villanueva"
    assert laptop.external_id == "customer-00042-madrid" and laptop.identity_verified


def test_an_agent_sees_no_merge_action(page, agent, pair):
    laptop, _phone = pair
    log_in(page, agent.user.email)
    page.goto(f"/visitors/{laptop.pk}/")
    expect(page.get_by_role("heading", name="Lucía", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Merge with another visitor…")).to_have_count(0)


def test_a_chat_without_websocket_shows_the_merged_conversation(page, owner, bot, make_visitor):
    """The chat on the HTTP fallback (this test server has no WebSocket) hears of a merge at its
    next poll: it loads the one conversation again, every message once, in time order."""
    from tertulia.conversations.merge import visitors_merge
    from tests.browser.conftest import in_another_thread

    bot.title = "Panadería Luna"
    bot.save()
    page.goto(f"/widget/{bot.public_key}/?lang=es")
    page.get_by_role("button", name="Sales").or_(
        page.get_by_role("button", name="Ventas")
    ).wait_for()
    page.get_by_role("textbox").fill("Soy Lucía desde el portátil")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Soy Lucía desde el portátil")).to_have_count(1)
    stored = Message.objects.filter(text="Soy Lucía desde el portátil")
    for _ in range(80):  # the fallback sends over HTTP: within a few seconds
        if stored.exists():
            break
        page.wait_for_timeout(100)
    laptop = stored.get().visitor
    earlier = make_visitor(name="Lucía Fernández")
    said(earlier, "Escribí antes desde el móvil", 60)
    in_another_thread(visitors_merge, keep=laptop, other=earlier, actor=owner.user)
    # Polled every 3 seconds.
    expect(page.get_by_text("Escribí antes desde el móvil")).to_be_visible(timeout=10_000)
    texts = page.locator(".msg").all_inner_texts()
    mine = [n for n, text in enumerate(texts) if "Soy Lucía desde el portátil" in text]
    earlier_at = [n for n, text in enumerate(texts) if "Escribí antes desde el móvil" in text]
    assert len(mine) == 1 and len(earlier_at) == 1 and earlier_at[0] < mine[0], texts
    screenshot(page, "merge-fallback-chat")
