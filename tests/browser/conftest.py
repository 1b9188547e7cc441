"""Playwright driving Debian's Chromium against the live test server."""

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import FrameLocator, Page, sync_playwright

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
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
ACCESSIBILITY = ROOT / "test-artifacts" / "accessibility"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe is served to the page from its own origin (a routed request), so the pages' CSP
# (`script-src 'self'`) stays on while they are checked.
AXE_URL = "/__axe-core__/axe.min.js"
SIZES = [(1280, 800), (390, 844)]
FAILING_IMPACTS = {"serious", "critical"}


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
def _no_channel_layer(request, settings):
    """The live test server is WSGI (no WebSocket), and Playwright's loop runs in this thread, where
    publishing events with async_to_sync cannot. Tests on the real ASGI server (`asgi_server`)
    keep the channel layer, and publish from another thread (`in_another_thread`)."""
    if "asgi_server" not in request.fixturenames:
        settings.CHANNEL_LAYERS = {}


def in_another_thread(function, **kwargs):
    """Run a service away from Playwright's event loop, where publishing (async_to_sync) cannot.
    The thread gives its database connection back when done (to PostgreSQL's pool: a thread that
    ends holding one keeps it from every later request)."""

    def run():
        try:
            return function(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def live_server_context(browser, live_server, **options):
    """A browser context on the WSGI live server. That server has no WebSocket: the dashboard's
    socket would reach Django's HTTP handler, whose 404 page shows, and so uses up, a message meant
    for the page the browser is going to (the workspace deletion's "is deleted" after its redirect,
    one run in seven). There the dashboard gets a socket that opens and stays silent; the widget's
    socket still fails, so the widget uses its HTTP fallback."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.route_web_socket(re.compile(r"/ws/dashboard/$"), lambda socket: None)
    return context


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = live_server_context(
        browser,
        live_server,
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


def assert_accessible(target: Page | FrameLocator, name: str) -> None:
    """Run axe-core on a page (or the document of an iframe) at desktop and phone size; fail on any
    serious or critical violation, and on a page wider than the screen. All findings and a
    screenshot at each size go to test-artifacts/.
    """
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci).")
    page = target.owner.page if isinstance(target, FrameLocator) else target
    viewport = page.viewport_size
    problems = []
    try:
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            size = f"{width}x{height}"
            document = _frame_of(target)
            violations = _axe_violations_at_rest(page, document)
            ACCESSIBILITY.mkdir(parents=True, exist_ok=True)
            (ACCESSIBILITY / f"{name}-{size}.json").write_text(
                json.dumps(violations, indent=1, ensure_ascii=False), encoding="utf-8"
            )
            screenshot(page, f"a11y-{name}-{size}")
            problems += [
                f"[{size}] {violation['impact']}: {violation['id']} ({violation['help']})\n"
                f"    {violation['helpUrl']}\n"
                + "".join(_describe(node) for node in violation["nodes"])
                for violation in violations
                if violation["impact"] in FAILING_IMPACTS
            ]
            problems += [f"[{size}] {broken}\n" for broken in _broken_ids(document)]
            problems += [f"[{size}] {wide}\n" for wide in _wider_than_the_screen(document)]
    finally:
        page.set_viewport_size(viewport)
    assert not problems, f"Accessibility problems on {name}:\n" + "".join(problems)


def _describe(node: dict) -> str:
    """Where, and axe's reason (for contrast: the colours and the ratio found)."""
    reason = " ".join((node["summary"] or "").split())
    return f"    at {' > '.join(map(str, node['target']))}\n      {reason}\n"


def _wider_than_the_screen(frame) -> list[str]:
    """Nothing may make the page scroll sideways: name what reaches past the viewport's right
    edge when the document is wider than the screen (a table scrolling in its own box is fine)."""
    return frame.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return [];
            const wide = [];
            for (const element of document.body.querySelectorAll("*")) {
                const right = element.getBoundingClientRect().right;
                if (right > root.clientWidth + 1 && wide.length < 5) {
                    const tag = element.outerHTML.slice(0, 80).replace(/\\s+/g, " ");
                    wide.push(`wider than the screen (${root.scrollWidth} px): ${tag}`);
                }
            }
            return wide.length ? wide : [`the page is ${root.scrollWidth} px wide`];
        }"""
    )


def _broken_ids(frame) -> list[str]:
    """ARIA attributes that name an id no element has (a help text or error not really tied to
    its field), and ids on more than one element: axe only lists the first for review."""
    return frame.evaluate(
        """() => {
            const attributes = ["aria-describedby", "aria-labelledby", "aria-controls",
                                "aria-errormessage"];
            const broken = [];
            for (const element of document.querySelectorAll(attributes.map(a => `[${a}]`))) {
                for (const attribute of attributes) {
                    for (const id of (element.getAttribute(attribute) || "").split(/\\s+/)) {
                        if (id && !document.getElementById(id)) {
                            const tag = element.outerHTML.slice(0, 100).replace(/\\s+/g, " ");
                            broken.push(`${attribute} names a missing id "${id}": ${tag}`);
                        }
                    }
                }
            }
            const seen = new Map();
            for (const element of document.querySelectorAll("[id]")) {
                seen.set(element.id, (seen.get(element.id) || 0) + 1);
            }
            for (const [id, count] of seen) {
                if (count > 1) broken.push(`the id "${id}" is on ${count} elements`);
            }
            return broken;
        }"""
    )


def _frame_of(target):
    if isinstance(target, FrameLocator):
        return target.owner.element_handle().content_frame()
    return target.main_frame


def _settle(frame) -> None:
    """Wait for finished animations, no htmx request on the way (the list is dimmed while one is)
    and two painted frames, so colours are the resting ones."""
    frame.wait_for_function(
        """() => !document.querySelector(".htmx-request") && document.getAnimations().every(
            a => a.playState !== "running" || !isFinite(a.effect.getTiming().iterations))"""
    )
    frame.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _axe_violations_at_rest(page, frame) -> list[dict]:
    """axe's findings on a page at rest: run again when a live update started a request (which
    dims the list) while axe was looking."""
    frame.evaluate(
        """() => {
            if (window.__a11yWatch) return;
            window.__a11yWatch = true;
            document.addEventListener("htmx:beforeRequest", () => { window.__a11yBusy = true; });
        }"""
    )
    for _attempt in range(6):  # a live page may refresh again while axe looks
        _settle(frame)
        frame.evaluate("window.__a11yBusy = false")
        violations = _axe_violations(page, frame)
        if not frame.evaluate("window.__a11yBusy"):
            break
    return violations


def _axe_violations(page, frame) -> list[dict]:
    if not frame.evaluate("typeof axe !== 'undefined'"):

        def serve_axe(route):
            route.fulfill(path=AXE, content_type="text/javascript; charset=utf-8")

        page.route(f"**{AXE_URL}", serve_axe)
        try:
            frame.add_script_tag(url=AXE_URL)
        finally:
            page.unroute(f"**{AXE_URL}", serve_axe)
    # Frames are checked on their own (the widget's chat), not from their host page.
    return frame.evaluate(
        """() => axe.run(document, {iframes: false, resultTypes: ["violations"]})
            .then(results => results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, impact: n.impact,
                                          summary: n.failureSummary, html: n.html})),
            })))"""
    )
