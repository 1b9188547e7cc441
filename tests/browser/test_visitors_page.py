"""An agent works the Visitors page in a real browser."""

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tertulia.accounts.models import User
from tertulia.conversations.models import MessageKind, Sender
from tertulia.conversations.services import message_post
from tertulia.demo.seeding import seed_visitors
from tertulia.visitors.models import Visitor
from tests.browser.conftest import assert_accessible, log_in, screenshot
from tests.helpers import EXPORT_HEADERS

pytestmark = pytest.mark.browser


@pytest.fixture
def hub(workspace, bot, owner, make_visitor):
    """A workspace with seeded visitors and one well-known visitor with every message kind."""
    seed_visitors(workspace=workspace, bot=bot, count=60, seed=3, days=60)
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
    message_post(
        visitor=lucia,
        sender=Sender.BOT,
        kind=MessageKind.OPTIONS,
        text="What are you looking for?",
        payload={
            "options": [{"id": "sales", "label": "Sales"}, {"id": "support", "label": "Support"}],
            "chosen": "sales",
        },
    )
    message_post(
        visitor=lucia,
        sender=Sender.VISITOR,
        kind=MessageKind.OPTION_CHOICE,
        payload={"option": "sales", "label": "Sales"},
    )
    message_post(
        visitor=lucia,
        sender=Sender.BOT,
        kind=MessageKind.FORM,
        text="Your details, please",
        payload={
            "fields": [{"name": "company", "label": "Company", "type": "text", "required": False}]
        },
    )
    message_post(
        visitor=lucia,
        sender=Sender.VISITOR,
        kind=MessageKind.FORM_SUBMISSION,
        payload={"fields": [{"name": "company", "label": "Company", "value": "Tienda Lucía S.L."}]},
    )
    message_post(visitor=lucia, sender=Sender.VISITOR, text="Do you ship to Canarias?")
    message_post(visitor=lucia, sender=Sender.AGENT, text="Yes, in 48 hours.", agent=owner.user)
    return {"workspace": workspace, "lucia": lucia}


def tab(page, label: str, nav: str = "Status"):
    """A status tab, found by its label in the tab navigation."""
    return page.get_by_role("navigation", name=nav).get_by_role(
        "link", name=re.compile(rf"^{label}\b")
    )


def tab_count(page, label: str) -> int:
    return int(tab(page, label).inner_text().split()[-1])


def visitor_rows(page):
    return page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("cell"))


def counts(workspace) -> dict[str, int]:
    visitors = Visitor.objects.filter(workspace=workspace)
    return {
        status: visitors.filter(status=status).count()
        for status in ["new", "lead", "customer", "closed", "archived"]
    }


def test_the_top_bar_and_the_list_fit_every_width_in_spanish(page, hub):
    """A tablet and a small window get the phone's menu and cards; from 1280 px the top bar
    holds one line (a long name gives way) and the table shows every column unscrolled."""
    User.objects.filter(email="owner@acme.test").update(
        language="es", name="Olga Propietaria Fernández de la Vega"
    )
    log_in(page, "owner@acme.test")
    for width in (820, 1024, 1279, 1280, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        fits = page.evaluate(
            """() => ({
                page: document.documentElement.scrollWidth <= innerWidth,
                bar: document.querySelector(".topbar").getBoundingClientRect().height,
                list: document.querySelector(".table-wrap").scrollWidth
                    <= document.querySelector(".table-wrap").clientWidth,
            })"""
        )
        assert fits == {"page": True, "bar": 56, "list": True}, (width, fits)
        menu = page.get_by_role("checkbox", name="Menú")
        expect(page.get_by_role("link", name="Equipo")).to_be_visible(visible=width >= 1280)
        assert menu.is_visible() == (width < 1280), width
    screenshot(page, "top-bar-es-1440")


def test_log_in_and_switch_tabs(page, hub):
    log_in(page, "owner@acme.test")
    expect(page.get_by_role("heading", name="Visitors", level=1)).to_be_visible()
    expect(tab(page, "New")).to_have_attribute("aria-current", "page")
    expected = counts(hub["workspace"])
    for label, status in [
        ("New", "new"),
        ("Leads", "lead"),
        ("Customers", "customer"),
        ("Closed", "closed"),
        ("Archived", "archived"),
    ]:
        assert tab_count(page, label) == expected[status], label
    screenshot(page, "list")
    assert_accessible(page, "visitors-list")
    # On a laptop's screen every column shows, the last one (the eye) included, unscrolled.
    page.set_viewport_size({"width": 1280, "height": 800})
    box = page.locator(".table-wrap").evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert box[0] <= box[1], f"the list is {box[0]} px wide in a box of {box[1]} px"
    expect(page.get_by_role("link", name="Open full page of Lucía Fernández")).to_be_in_viewport()

    tab(page, "Leads").click()
    expect(page).to_have_url(re.compile(r"status=lead"))
    expect(tab(page, "Leads")).to_have_attribute("aria-current", "page")
    expect(visitor_rows(page)).to_have_count(min(expected["lead"], 25))
    badges = page.get_by_role("table").locator(".badge").all_inner_texts()
    assert set(badges) == {"Lead"}

    page.go_back()
    expect(tab(page, "New")).to_have_attribute("aria-current", "page")
    expect(page).not_to_have_url(re.compile(r"status=lead"))


def test_search_and_filters(page, hub):
    log_in(page, "owner@acme.test")
    page.get_by_label("Search by name, e-mail or phone").fill("fernandez")
    expect(page).to_have_url(
        re.compile(r"\?q=fernandez&status=new&sort=-created&view=all&per_page=25$")
    )
    expect(page.get_by_role("link", name="Lucía Fernández", exact=True)).to_be_visible()
    names = [n for n in visitor_rows(page).locator(".row-link").all_inner_texts()]
    assert all("Fern" in name for name in names)

    page.get_by_label("Search by name, e-mail or phone").fill("")
    page.get_by_text("Show filters").click()
    page.get_by_label("Country").select_option(label="Spain")
    expect(page).to_have_url(re.compile(r"country=ES"))
    locations = visitor_rows(page).locator("td.cell-location").all_inner_texts()
    assert locations and all(location.endswith("Spain") for location in locations)
    page.get_by_label("Engaged only").check()
    expect(page).to_have_url(re.compile(r"engaged=on"))
    screenshot(page, "filters")
    assert_accessible(page, "visitors-filters")

    page.get_by_label("Name", exact=True).fill("nobody-by-this-name")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="No visitors match these filters")).to_be_visible()
    assert tab_count(page, "New") == 0
    assert_accessible(page, "visitors-none-match")
    page.get_by_role("main").get_by_role("link", name="Clear filters").last.click()
    expect(page.get_by_role("link", name="Lucía Fernández", exact=True)).to_be_visible()
    assert tab_count(page, "New") == counts(hub["workspace"])["new"]


def test_panel_info_and_conversation(page, hub):
    lucia = hub["lucia"]
    log_in(page, "owner@acme.test")
    page.get_by_role("row", name=re.compile("Lucía Fernández")).get_by_role("cell").nth(2).click()
    panel = page.get_by_role("complementary", name="Visitor details")
    expect(panel.get_by_role("heading", name="Lucía Fernández")).to_be_visible()
    expect(panel.get_by_role("link", name="lucia@tienda.es")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"open={lucia.pk}"))
    screenshot(page, "panel-info")
    assert_accessible(page, "panel-info")

    panel.get_by_role("link", name="Conversation").click()
    expect(page).to_have_url(re.compile(rf"open={lucia.pk}&panel=conversation"))
    conversation = panel.get_by_role("list", name="Conversation")
    expect(conversation.get_by_text("Hi! How can we help?")).to_be_visible()
    expect(conversation.get_by_text("Do you ship to Canarias?")).to_be_visible()
    expect(conversation.get_by_text("Yes, in 48 hours.")).to_be_visible()
    expect(conversation.get_by_text("Olga Owner")).to_be_visible()
    expect(
        conversation.get_by_role("list", name="Options offered")
        .get_by_role("listitem")
        .filter(has_text="(chosen)")
    ).to_have_text(re.compile("Sales"))
    expect(conversation.get_by_role("row", name=re.compile("Company"))).to_contain_text(
        "Tienda Lucía S.L."
    )
    screenshot(page, "panel-conversation")
    assert_accessible(page, "panel-conversation")

    page.reload()
    expect(panel.get_by_role("link", name="Conversation")).to_have_attribute("aria-current", "true")
    expect(conversation.get_by_text("Do you ship to Canarias?")).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page).not_to_have_url(re.compile("open="))


def test_status_change_moves_the_row_and_the_counts(page, hub):
    log_in(page, "owner@acme.test")
    new_before, leads_before = tab_count(page, "New"), tab_count(page, "Leads")
    page.evaluate("window.__noReload = true")
    page.get_by_role("link", name="Lucía Fernández", exact=True).click()
    panel = page.get_by_role("complementary", name="Visitor details")
    panel.get_by_role("button", name="Lead", exact=True).click()

    expect(panel.get_by_role("button", name="Lead", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(tab(page, "Leads")).to_contain_text(str(leads_before + 1))
    expect(tab(page, "New")).to_contain_text(str(new_before - 1))
    expect(
        page.get_by_role("table").get_by_role("link", name="Lucía Fernández", exact=True)
    ).to_have_count(0)
    assert page.evaluate("window.__noReload") is True, "no full page reload"
    hub["lucia"].refresh_from_db()
    assert hub["lucia"].status == "lead"

    # Keyboard: 3 sets Customer on the open visitor.
    panel.get_by_role("heading", name="Lucía Fernández").click()
    page.keyboard.press("3")
    expect(panel.get_by_role("button", name="Customer", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )


def test_exports_match_the_page(page, hub, tmp_path):
    log_in(page, "owner@acme.test")
    page.goto("/visitors/?status=new&sort=name")
    shown = visitor_rows(page).locator(".row-link").all_inner_texts()
    shown_ids = [int(row.get_attribute("data-visitor")) for row in visitor_rows(page).all()]

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(csv_download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0] == EXPORT_HEADERS
    assert [int(r[0]) for r in rows[1:]] == shown_ids
    # Each name link starts with its avatar's initial.
    assert [r[1] for r in rows[1:]] == [name.split("\n", 1)[-1].strip() for name in shown]

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel", exact=True).click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == EXPORT_HEADERS
    assert [int(r[0]) for r in values[1:]] == shown_ids


def test_full_page_and_status_change_there(page, hub):
    lucia = hub["lucia"]
    log_in(page, "owner@acme.test")
    page.get_by_role("link", name="Open full page of Lucía Fernández").click()
    expect(page).to_have_url(re.compile(rf"/visitors/{lucia.pk}/$"))
    expect(page.get_by_role("heading", name="Lucía Fernández", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Info")).to_be_visible()
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()
    page.get_by_role("button", name="Closed", exact=True).click()
    expect(page.get_by_role("button", name="Closed", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_role("list").filter(has_text="by Olga Owner").first).to_be_visible()
    screenshot(page, "full-page")
    assert_accessible(page, "visitor-full-page")
    lucia.refresh_from_db()
    assert lucia.status == "closed"


def test_spanish(page, hub, spanish_agent):
    # The browser asks for English; after login the member's own language wins.
    log_in(page, spanish_agent.user.email)
    expect(page.get_by_role("heading", name="Visitantes", level=1)).to_be_visible()
    for label in ["Nuevo", "Prospectos", "Clientes", "Cerrado", "Archivado"]:
        expect(tab(page, label, nav="Estado")).to_be_visible()
    expect(page.get_by_text("Mostrar filtros")).to_be_visible()
    expect(page.get_by_role("table").locator(".badge").first).to_have_text("Nuevo")
    expect(page.get_by_role("columnheader", name="Ubicación")).to_be_visible()
    screenshot(page, "es-list")
    assert_accessible(page, "es-visitors-list")
    page.get_by_role("link", name="Lucía Fernández", exact=True).click()
    panel = page.get_by_role("complementary", name="Detalles del visitante")
    expect(panel.get_by_role("link", name="Info", exact=True)).to_be_visible()
    panel.get_by_role("link", name="Conversación").click()
    expect(panel.get_by_text("Formulario enviado")).to_be_visible()
    expect(panel.get_by_role("button", name="Prospecto", exact=True)).to_be_visible()
    screenshot(page, "es-panel")
    assert_accessible(page, "es-panel-conversation")


def test_hostile_names_stay_text(page, hub, make_visitor):
    hostile = "<img src=x onerror=alert(1)>"
    make_visitor(name=hostile, email="x@evil.test")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "owner@acme.test")
    page.get_by_role("link", name=hostile, exact=True).click()
    expect(
        page.get_by_role("complementary", name="Visitor details").get_by_role(
            "heading", name=hostile
        )
    ).to_be_visible()
    assert dialogs == []


def test_keyboard_shortcuts(page, hub):
    log_in(page, "owner@acme.test")
    page.keyboard.press("/")
    expect(page.get_by_label("Search by name, e-mail or phone")).to_be_focused()
    page.keyboard.type("j")  # typing in a field is just typing
    expect(page.get_by_label("Search by name, e-mail or phone")).to_have_value("j")
    page.get_by_label("Search by name, e-mail or phone").fill("")
    page.get_by_role("heading", name="Visitors", level=1).click()

    first, second = visitor_rows(page).nth(0), visitor_rows(page).nth(1)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(first.get_by_role("link").first).to_be_focused()
    page.keyboard.press("j")
    expect(second.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    panel = page.get_by_role("complementary", name="Visitor details")
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert_accessible(page, "keyboard-shortcuts")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()


def test_pages_next_last_previous_first_and_shareable(page, hub, make_visitor):
    for n in range(40):
        make_visitor(name=f"Paged {n:02d}")
    total = counts(hub["workspace"])["new"]
    log_in(page, "owner@acme.test")
    summary = page.locator(".pager__summary")
    expect(summary).to_have_text(f"1\u201325 of {total}")
    first_names = visitor_rows(page).locator(".row-link").all_inner_texts()

    pages = page.get_by_role("navigation", name="Pages")
    pages.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"after=\d+"))
    expect(summary).to_have_text(f"26\u201350 of {total}")
    second_names = visitor_rows(page).locator(".row-link").all_inner_texts()
    assert not set(first_names) & set(second_names)
    page.reload()  # the address is the page: it can be shared or bookmarked
    expect(summary).to_have_text(f"26\u201350 of {total}")
    assert visitor_rows(page).locator(".row-link").all_inner_texts() == second_names

    pages.get_by_role("link", name="Last").click()
    tail = (total - 1) % 25 + 1
    expect(summary).to_have_text(f"{total - tail + 1}\u2013{total} of {total}")
    expect(pages.get_by_role("link", name="Next")).to_have_count(0)
    screenshot(page, "list-last-page")
    assert_accessible(page, "visitors-list-last-page")
    page.set_viewport_size({"width": 390, "height": 844})
    pages.scroll_into_view_if_needed()
    screenshot(page, "list-last-page-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    pages.get_by_role("link", name="Previous").click()
    expect(summary).to_have_text(f"{total - tail - 24}\u2013{total - tail} of {total}")
    pages.get_by_role("link", name="First").click()
    expect(summary).to_have_text(f"1\u201325 of {total}")
    assert visitor_rows(page).locator(".row-link").all_inner_texts() == first_names


def test_estimated_counts_are_labelled(page, hub, monkeypatch):
    """Counts that run out of time show as estimates: "≈N" on the tabs, with a tooltip that says
    so, and "of about N" under the list; at desktop and phone size, with axe."""
    from tertulia.visitors import selectors

    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 0)  # the live server runs in this process
    monkeypatch.setattr(selectors, "SAMPLE_WIDTH", 5)
    monkeypatch.setattr(selectors, "SAMPLE_MATCHES_MIN", 3)
    log_in(page, "owner@acme.test")
    page.goto("/visitors/?engaged=on")
    estimated = page.locator(".tab__count", has_text="≈").first
    expect(estimated).to_be_visible()
    expect(estimated).to_have_attribute("title", re.compile(r"^About \d+: estimated from a sample"))
    expect(page.locator(".pager__summary")).to_contain_text(re.compile(r"of about \d+"))
    screenshot(page, "visitors-estimated-counts")
    assert_accessible(page, "visitors-estimated-counts")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_text("Hide filters").click()  # on a phone the open filters cover the page
    estimated.scroll_into_view_if_needed()
    screenshot(page, "visitors-estimated-counts-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
