"""The page behind the "stop e-mails about this chat" link, as a visitor opens it."""

import pytest
from playwright.sync_api import expect

from tertulia.conversations.follow_up import stop_token
from tests.browser.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def test_the_stop_emails_page_reads_well_on_a_phone_and_a_desktop(page, make_visitor):
    visitor = make_visitor(name="Vera", email="vera@example.org")
    page.goto(f"/chat/stop-emails/{stop_token(visitor)}/")
    expect(page.get_by_role("heading")).to_have_text("You will get no more e-mails about this chat")
    screenshot(page, "stop-emails")
    assert_accessible(page, "stop-emails")
