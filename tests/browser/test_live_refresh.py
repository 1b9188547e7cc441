"""The Visitors list follows other agents' changes at a bounded cost: a burst of events causes one
refresh, and a hidden tab fetches nothing until it is shown again."""

import time

import pytest
from playwright.sync_api import expect

from tertulia.conversations.services import visitor_set_status
from tertulia.visitors.services import visitor_create
from tests.browser.conftest import in_another_thread, log_in

pytestmark = pytest.mark.browser

SHOW = "document.dispatchEvent(new Event('visibilitychange'))"


def set_hidden(page, hidden: bool) -> None:
    """What the browser does when the tab goes to the background, or comes back."""
    state = "hidden" if hidden else "visible"
    page.evaluate(
        f"""() => {{
            Object.defineProperty(document, "hidden", {{ value: {str(hidden).lower()},
                                                        configurable: true }});
            Object.defineProperty(document, "visibilityState", {{ value: "{state}",
                                                                 configurable: true }});
            {SHOW};
        }}"""
    )


def wait_for(page, condition, seconds: float) -> bool:
    """Whether `condition()` turns true within `seconds` (Playwright's events are handled while
    the page waits, never during a plain sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        page.wait_for_timeout(100)
    return condition()


def test_a_burst_refreshes_the_list_once_and_a_hidden_tab_when_shown(
    browser, asgi_server, owner, bot
):
    people = [
        in_another_thread(visitor_create, workspace=owner.workspace, bot=bot, name=f"Person {n}")
        for n in range(6)
    ]
    context = browser.new_context(
        base_url=asgi_server.url, viewport={"width": 1400, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, owner.user.email)
        expect(page.locator("body[data-live]")).to_have_count(1)  # the socket is open
        refreshes = []
        page.on(
            "request",
            lambda r: refreshes.append(r.url) if r.headers.get("hx-trigger") == "results" else None,
        )
        leads = page.locator(".tab", has_text="Leads").locator(".tab__count")

        # Five changes in a burst: one refresh, which shows them all.
        for person in people[:5]:
            in_another_thread(visitor_set_status, visitor=person, status="lead")
        expect(leads).to_have_text("5")
        page.wait_for_timeout(1500)
        assert len(refreshes) == 1

        # Hidden: changes arrive, nothing is fetched, even past the time between refreshes.
        set_hidden(page, True)
        in_another_thread(visitor_set_status, visitor=people[5], status="lead")
        in_another_thread(visitor_set_status, visitor=people[0], status="customer")
        page.wait_for_timeout(4000)
        assert len(refreshes) == 1
        expect(leads).to_have_text("5")

        # Shown again: one refresh brings the list up to date.
        set_hidden(page, False)
        expect(leads).to_have_text("5")  # 6 leads, one of them now a customer
        assert wait_for(page, lambda: len(refreshes) == 2, 5)
        expect(page.locator(".tab", has_text="Customers").locator(".tab__count")).to_have_text("1")
        page.wait_for_timeout(1000)
        assert len(refreshes) == 2
    finally:
        context.close()
