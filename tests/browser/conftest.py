"""Playwright driving Debian's Chromium against the live test server."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in the test thread; the database calls the tests make
# there are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module; Playwright's event loop ends with it, so the tests after it can use
    async_to_sync again."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _no_channel_layer(settings):
    """The live test server is WSGI (no WebSocket), and Playwright's loop runs in this thread, where
    publishing events with async_to_sync cannot; the socket is tested in tests/realtime."""
    settings.CHANNEL_LAYERS = {}


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1400, "height": 900},
        locale="en-US",
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def spanish_agent(workspace):
    """An agent whose own language is Spanish (the browser asks for English)."""
    from tertulia.accounts.models import Role
    from tertulia.accounts.services import member_add

    return member_add(
        workspace=workspace,
        email="carla@acme.test",
        password=PASSWORD,
        role=Role.AGENT,
        name="Carla",
        language="es",
    )


def log_in(page, email: str, password: str = PASSWORD, button: str = "Log in") -> None:
    """Log in through the form, as a person would."""
    page.goto("/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").or_(page.get_by_label("Contraseña")).fill(password)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(lambda url: "/login/" not in url)


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)
