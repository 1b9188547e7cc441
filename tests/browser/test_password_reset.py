""" "Forgot your password?" as a person goes through it: the login page, the e-mail written to the
outbox (no SMTP), its link, a new password, and the dashboard; then the same link again."""

import email
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser

NEW_PASSWORD = "quiet-harbour-lanterns"


@pytest.fixture
def outbox(settings, tmp_path):
    """E-mails written as files, as with no EMAIL_URL, into a folder of the test's own."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    return tmp_path


def link_from(outbox) -> str:
    """The link in the one e-mail written to the outbox (a message, then a line of dashes)."""
    (written,) = outbox.iterdir()
    message = email.message_from_bytes(written.read_bytes())
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    (url,) = re.findall(r"https?://\S+/password/reset/\S+/", body)
    return url


def test_forgot_password_from_the_login_page_to_the_dashboard(page, owner, outbox, live_server):
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    assert_accessible(page, "password-forgot")
    page.get_by_label("E-mail").fill("owner@acme.test")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text(
        "If an account exists for owner@acme.test, we sent it a link"
    )
    screenshot(page, "password-forgot-sent")

    link = link_from(outbox)
    assert link.startswith(live_server.url)  # the address the request came to
    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    assert_accessible(page, "password-reset")
    page.get_by_label("New password", exact=True).fill("12345678")
    page.get_by_label("New password again").fill("12345678")
    page.get_by_role("button", name="Set password and log in").click()
    expect(page.get_by_text("This password is entirely numeric.")).to_be_visible()
    screenshot(page, "password-reset-refused")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password and log in").click()
    page.wait_for_url("**/visitors/")
    expect(page.get_by_text("Your new password is set. You are logged in.")).to_be_visible()
    screenshot(page, "password-reset-done")

    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("This link has already been used")
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    assert_accessible(page, "password-reset-used")

    log_in(page, "owner@acme.test", NEW_PASSWORD)
    assert "/visitors/" in page.url


def test_account_page_password_and_email_forms(page, owner, outbox):
    log_in(page, "owner@acme.test")
    page.goto("/account/")
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.get_by_label("Current password").fill("wrong-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("That is not your current password.")).to_be_visible()
    assert_accessible(page, "account-password")
    screenshot(page, "account-password-refused", full_page=True)
