"""axe-core on the screens no other browser test walks through: login, bots, flow editor, the
member's and the workspace's settings, at desktop and phone size (see `assert_accessible`)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


def test_login_page(page, owner):
    page.goto("/login/")
    expect(page.get_by_role("heading", name="Tertulia")).to_be_visible()
    assert_accessible(page, "login")

    page.get_by_label("E-mail").fill(owner.user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "login-refused")


def test_bot_pages(page, owner, bot):
    bot.colour = "#fbbf24"  # too light for white text: the page says the widget shows it darker
    bot.save()
    log_in(page, owner.user.email)
    page.get_by_role("link", name="Bots").click()
    expect(page.get_by_role("heading", name="Bots", level=1)).to_be_visible()
    assert_accessible(page, "bot-list")

    page.get_by_role("link", name=bot.name).click()
    expect(page.get_by_role("heading", name="Embed on your site")).to_be_visible()
    expect(page.get_by_label("Colour")).to_have_accessible_description(
        "White text is hard to read on this colour, so the widget shows it darker: #957115."
    )
    screenshot(page, "bot-settings-darker-colour", full_page=True)
    assert_accessible(page, "bot-settings")

    page.get_by_role("link", name="Edit flow").click()
    expect(page.get_by_role("heading", name="Flow", level=1)).to_be_visible()
    assert_accessible(page, "flow-editor")


def test_account_and_workspace_pages(page, owner):
    log_in(page, owner.user.email)
    page.get_by_role("link", name=owner.user.name).click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    assert_accessible(page, "account")

    page.get_by_role("link", name="Workspace").click()
    expect(page.get_by_role("heading", name="Workspace", level=1)).to_be_visible()
    assert_accessible(page, "workspace")

    # A refused value: the error is shown beside the field and tied to it.
    days = page.get_by_label("Delete archived visitors after (days)")
    days.fill("0")
    page.get_by_role("button", name="Save").click()
    expect(days).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "workspace-refused")
