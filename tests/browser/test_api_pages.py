"""The API page in Chromium: an owner makes a token, copies it once, uses it, revokes it; and the
API reference, at desktop and phone size."""

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, in_another_thread, log_in, screenshot

pytestmark = pytest.mark.browser


def call(url: str, secret: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            json.load(answer)
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_owner_makes_a_token_uses_it_and_revokes_it(page, owner, live_server):
    log_in(page, owner.user.email)
    page.get_by_role("link", name="Workspace").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("CRM <sync>")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Make token").click()

    secret_box = page.get_by_role("textbox", name="Your new token")
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("tta_")
    expect(page.get_by_text("CRM <sync>")).to_be_visible()  # escaped, as typed
    screenshot(page, "api-tokens-new", full_page=True)
    assert_accessible(page, "api-tokens-new")

    url = f"{live_server.url}/api/v1/visitors"
    assert in_another_thread(call, url=url, secret=secret) == 200
    page.reload()
    expect(page.get_by_role("textbox", name="Your new token")).to_have_count(0)  # shown once
    expect(page.get_by_text("Last used")).to_be_visible()

    page.get_by_role("button", name="Revoke CRM <sync>").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert in_another_thread(call, url=url, secret=secret) == 401


def test_the_api_reference_reads_well_on_a_phone(page, owner):
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="List visitors")).to_be_visible()
    screenshot(page, "api-reference", full_page=False)
    assert_accessible(page, "api-reference")


def test_an_admin_adds_a_webhook_tests_it_and_reads_the_log(page, owner):
    from tertulia.notifications.tasks import deliver
    from tests.notifications.servers import WebhookReceiver

    with WebhookReceiver() as receiver:
        log_in(page, owner.user.email)
        page.get_by_role("link", name="Workspace").click()
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_label("Address").fill(receiver.url("/hooks?x=<b>"))
        page.get_by_label("live_chat.requested").uncheck()
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.get_by_role("textbox", name="Signing secret").input_value()
        assert secret.startswith("whsec_")
        page.get_by_role("button", name="Send a test event").click()
        expect(page.get_by_text("A test event is on its way")).to_be_visible()
        from tertulia.notifications.models import Delivery

        in_another_thread(lambda: [deliver.call(d.pk) for d in Delivery.objects.all()])
        page.reload()
        expect(page.get_by_role("cell", name="test", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Resend test #"))).to_be_visible()
        screenshot(page, "webhook-endpoint", full_page=True)
        assert_accessible(page, "webhook-endpoint")
    assert len(receiver.requests) == 1
    page.get_by_role("link", name="Webhooks").first.click()
    expect(page.get_by_text("Active")).to_be_visible()
    assert_accessible(page, "webhooks")


def test_identity_verification_is_turned_on_and_verified_visitors_are_marked(
    page, owner, make_visitor
):
    from django.utils import timezone

    make_visitor(name="Marta Gil", external_id="cust-81", identity_verified_at=timezone.now())
    make_visitor(name="Told Only", external_id="cust-82")
    log_in(page, owner.user.email)
    page.get_by_role("link", name="Workspace").click()
    page.get_by_role("link", name="Identity verification").click()
    expect(page.get_by_role("heading", name="Identity verification Off")).to_be_visible()
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Identity verification is on")).to_be_visible()
    secret = page.get_by_role("textbox", name="Secret").input_value()
    assert re.fullmatch("[0-9a-f]{64}", secret)
    screenshot(page, "identity-verification-on", full_page=True)
    assert_accessible(page, "identity-verification-on")
    page.get_by_role("button", name="Replace the secret").click()
    assert page.get_by_role("textbox", name="Secret").input_value() != secret

    page.goto("/visitors/")
    row = page.locator("#results tr[data-row]", has_text="Marta Gil")
    expect(row.locator(".chip--verified")).to_have_text("✓ Verified")
    expect(
        page.locator("#results tr[data-row]", has_text="Told Only").locator(".chip--verified")
    ).to_have_count(0)
    row.locator(".row-link").click()
    expect(page.locator("[data-fact=user-id]").first).to_contain_text("cust-81")
    screenshot(page, "visitor-verified-identity")
    assert_accessible(page, "visitor-verified-identity")
