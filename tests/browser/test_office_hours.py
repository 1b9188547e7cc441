"""The bot page's office hours, as an owner sets them."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


def test_the_owner_sets_office_hours(page, owner, bot):
    log_in(page, owner.user.email)
    page.goto(f"/bots/{bot.pk}/")
    page.get_by_label("Use office hours").check()
    page.get_by_label("Monday opens").fill("09:00")
    page.get_by_label("Monday closes").fill("08:00")
    page.get_by_role("button", name="Save office hours").click()
    expect(
        page.get_by_text("Monday: give both times, the closing one after the opening one.")
    ).to_be_visible()
    page.get_by_label("Monday closes").fill("17:30")
    page.get_by_label("Holidays").fill("2026-12-25")
    page.get_by_role("button", name="Save office hours").click()
    expect(page.get_by_text("Office hours saved.")).to_be_visible()
    expect(page.get_by_label("Monday closes")).to_have_value("17:30")
    page.locator("#hours").scroll_into_view_if_needed()
    screenshot(page, "office-hours")
    assert_accessible(page, "office-hours")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#hours").scroll_into_view_if_needed()
    screenshot(page, "office-hours-phone")
