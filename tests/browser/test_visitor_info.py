"""The Info tab and the full page: a visitor with everything known, one with nothing known, in
English and Spanish; deleting a visitor; the workspace's privacy settings."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tertulia.visitors.models import PageView, Visitor
from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def known(make_visitor):
    """A visitor the widget told us everything about."""
    visitor = make_visitor(
        name="Lucía Fernández",
        email="lucia@tienda.es",
        country="ES",
        region="Madrid",
        city="Madrid",
        ip="2.139.0.0",
        browser="Chrome 131",
        os="Windows 10",
        device_type="desktop",
        screen="1920x1080",
        languages="es-ES, es, en",
        timezone="Europe/Madrid",
        referrer="https://www.google.com/",
        landing_page="https://tienda.example/precios?utm_source=google&utm_campaign=otono",
        utm={"utm_source": "google", "utm_campaign": "otono"},
        attributes={"company": "Tienda Lucía S.L."},
    )
    start = timezone.now() - dt.timedelta(minutes=6)
    for step, (url, title) in enumerate(
        [
            (visitor.landing_page, "Precios"),
            ("https://tienda.example/productos/pan-de-centeno", "Pan de centeno"),
            ("javascript:alert(1)", "<b>Checkout</b>"),
        ]
    ):
        PageView.objects.create(
            workspace=visitor.workspace,
            visitor=visitor,
            url=url,
            title=title,
            created_at=start + dt.timedelta(minutes=2 * step),
        )
    return visitor


@pytest.fixture
def unknown(make_visitor):
    """A visitor who opened the chat from a private address with no JavaScript details."""
    return make_visitor()


def fact(scope, name: str):
    return scope.locator(f"[data-fact='{name}']")


def open_panel(page, visitor: Visitor):
    page.goto(f"/visitors/?open={visitor.pk}")
    return page.get_by_role("complementary")


def test_info_with_everything_known(page, known, owner):
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    log_in(page, owner.user.email)
    panel = open_panel(page, known)
    expect(fact(panel, "location")).to_have_text("Madrid, Spain")
    expect(fact(panel, "local-time")).to_contain_text("Europe/Madrid")
    expect(fact(panel, "ip")).to_have_text("2.139.0.0")
    expect(panel.get_by_role("link", name="IP Geolocation by DB-IP")).to_have_attribute(
        "href", "https://db-ip.com"
    )
    expect(fact(panel, "device")).to_have_text("Desktop")
    expect(fact(panel, "browser")).to_have_text("Chrome 131")
    expect(fact(panel, "os")).to_have_text("Windows 10")
    expect(fact(panel, "screen")).to_have_text("1920x1080")
    expect(fact(panel, "languages")).to_have_text("Spanish (Spain), Spanish, English")
    # The newest page is where the visitor is now; its address is not http(s), so no link.
    expect(fact(panel, "current-page")).to_contain_text("<b>Checkout</b>")
    expect(fact(panel, "current-page").get_by_role("link")).to_have_count(0)
    expect(fact(panel, "landing").get_by_role("link")).to_have_attribute("href", known.landing_page)
    expect(fact(panel, "referrer")).to_have_text("www.google.com/")
    expect(fact(panel, "utm")).to_contain_text("source google")
    expect(fact(panel, "utm")).to_contain_text("campaign otono")
    expect(fact(panel, "pages").get_by_role("listitem")).to_have_count(3)
    expect(fact(panel, "pages").get_by_role("link", name="Pan de centeno")).to_be_visible()
    expect(panel.get_by_text("Tienda Lucía S.L.")).to_be_visible()
    screenshot(page, "info-full-panel")
    assert_accessible(page, "panel-info-everything-known")

    page.goto(f"/visitors/{known.pk}/")
    expect(fact(page, "location")).to_have_text("Madrid, Spain")
    expect(page.get_by_role("link", name="Delete visitor…")).to_be_visible()
    screenshot(page, "info-full-page", full_page=True)
    assert_accessible(page, "visitor-full-page-everything-known")


def test_info_with_nothing_known(page, unknown, owner):
    log_in(page, owner.user.email)
    panel = open_panel(page, unknown)
    for name in ("location", "local-time", "device", "browser", "os", "screen", "languages"):
        expect(fact(panel, name)).to_have_text("Not known")
    expect(fact(panel, "ip")).to_have_text("Not stored")
    expect(fact(panel, "referrer")).to_have_text("Direct visit or not known")
    expect(panel.get_by_role("link", name="IP Geolocation by DB-IP")).to_have_count(0)
    expect(fact(panel, "pages")).to_have_count(0)
    screenshot(page, "info-empty-panel")
    assert_accessible(page, "panel-info-nothing-known")


def test_info_in_spanish(page, known, unknown, spanish_agent):
    log_in(page, spanish_agent.user.email)
    panel = open_panel(page, known)
    expect(panel.get_by_role("heading", name="Ubicación")).to_be_visible()
    expect(fact(panel, "location")).to_have_text("Madrid, España")
    expect(fact(panel, "device")).to_have_text("Escritorio")
    expect(fact(panel, "languages")).to_have_text("Español (España), español, inglés")
    expect(panel.get_by_role("heading", name="Páginas visitadas")).to_be_visible()
    # Agents do not delete visitors.
    expect(panel.get_by_role("link", name=re.compile("Eliminar"))).to_have_count(0)
    screenshot(page, "info-es-full")
    panel = open_panel(page, unknown)
    expect(fact(panel, "location")).to_have_text("Sin datos")
    expect(fact(panel, "ip")).to_have_text("No guardada")
    screenshot(page, "info-es-empty")


def test_owner_deletes_a_visitor_after_confirming(page, known, owner):
    log_in(page, owner.user.email)
    page.goto(f"/visitors/{known.pk}/")
    page.get_by_role("link", name="Delete visitor…").click()
    expect(page.get_by_role("heading", name="Delete Lucía Fernández?")).to_be_visible()
    screenshot(page, "visitor-delete-confirm")
    assert_accessible(page, "visitor-delete-confirm")
    page.get_by_role("button", name="Delete visitor").click()
    expect(page.get_by_text(f"Visitor #{known.number} was deleted")).to_be_visible()
    assert not Visitor.objects.filter(pk=known.pk).exists()

    page.get_by_role("link", name="Workspace").click()
    log = page.get_by_role("region", name="Audit log")
    expect(
        log.get_by_text(re.compile(rf"^Olga Owner deleted Visitor #{known.number}\b"))
    ).to_be_visible()
    page.get_by_label("Store them in full").check()
    page.get_by_label("Delete archived visitors after (days)").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 1.")).to_be_visible()
    page.get_by_label("Delete archived visitors after (days)").fill("90")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The workspace settings are saved.")).to_be_visible()
    owner.workspace.refresh_from_db()
    assert (owner.workspace.ip_storage, owner.workspace.retention_days) == ("full", 90)
    screenshot(page, "workspace-settings")
    assert_accessible(page, "workspace-with-privacy-log")


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_full_page_shows_the_newest_message_with_the_reply_box(page, known, owner, size):
    """A long conversation scrolls in its own box sized to the screen: on a desktop the newest
    message and the reply box are in view as the page opens; on a phone (Info comes first),
    once the conversation is scrolled to. Neither hides under the other."""
    from tertulia.conversations.services import message_post

    for n in range(30):
        message_post(visitor=known, sender="visitor", text=f"Pregunta número {n}")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    log_in(page, owner.user.email)
    page.goto(f"/visitors/{known.pk}/")
    newest = page.locator(".card--conversation .msg").filter(has_text="Pregunta número 29")
    reply = page.get_by_role("textbox", name="Your message")
    if size[0] < 900:
        page.locator(".card--conversation").evaluate(
            "card => window.scrollBy(0, card.getBoundingClientRect().top - 64)"
        )
    expect(newest).to_be_in_viewport()
    expect(reply).to_be_in_viewport()
    newest_box, reply_box = newest.bounding_box(), reply.bounding_box()
    assert newest_box["y"] + newest_box["height"] <= reply_box["y"], (newest_box, reply_box)
    assert reply_box["y"] + reply_box["height"] <= size[1]
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    screenshot(page, f"visitor-page-long-conversation-{size[0]}")
    assert_accessible(page, f"visitor-page-long-conversation-{size[0]}")
