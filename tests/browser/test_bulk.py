"""Bulk actions in Chromium: pick rows with boxes, shift-click and x, then change them at once."""

import pytest
from playwright.sync_api import expect

from tertulia.visitors.models import Visitor
from tertulia.visitors.services import visitor_create
from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_pick_rows_and_move_them_to_leads(page, owner, bot, width, height):
    for n in range(6):
        visitor_create(workspace=owner.workspace, bot=bot, name=f"Bulk {n}")
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, owner.user.email)
    boxes = page.locator("#results input[name=ids]")
    expect(boxes).to_have_count(6)
    bar = page.locator("#bulk-form")
    expect(bar).to_contain_text("Pick visitors with their boxes")

    boxes.nth(0).check()
    boxes.nth(2).click(modifiers=["Shift"])  # the range 0-2
    expect(bar).to_contain_text("3 picked")
    if width > 720:
        page.evaluate("document.activeElement.blur()")
        for _ in range(4):  # the keyboard cursor on the first row, then down to the fourth
            page.keyboard.press("j")
        page.keyboard.press("x")
        expect(bar).to_contain_text("4 picked")
    screenshot(page, f"bulk-picked-{width}")
    assert_accessible(page, f"bulk-picked-{width}")

    bar.get_by_label("Action").select_option(label="Lead")
    bar.get_by_role("button", name="Apply").click()
    picked = 4 if width > 720 else 3
    expect(page.locator("#bulk-progress")).to_contain_text(f"Done: {picked} visitors changed.")
    expect(boxes).to_have_count(6 - picked)  # the list refreshed: they left New
    expect(page.locator("a.tab", has_text="Leads").locator(".tab__count")).to_have_text(str(picked))
    screenshot(page, f"bulk-done-{width}")
    assert Visitor.objects.filter(status="lead").count() == picked
    assert page.evaluate("document.documentElement.scrollWidth") <= width
