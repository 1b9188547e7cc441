"""The owner brings an agent in by e-mail and later lets them go, as people do it in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tertulia.accounts.models import Member, Role
from tertulia.conversations.models import Message, Sender
from tertulia.conversations.services import message_post
from tertulia.visitors.services import visitor_create
from tests.browser.conftest import assert_accessible, in_another_thread, log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

AGENT_PASSWORD = "churros-con-chocolate-7"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    settings.TERTULIA_URL = ""  # links follow the address the browser used
    return tmp_path


def test_the_owner_invites_an_agent_who_joins_answers_and_is_later_removed(
    browser, asgi_server, owner, bot, outbox
):
    visitor = in_another_thread(
        visitor_create, workspace=owner.workspace, bot=bot, name="Vera Visitor", engaged=True
    )
    in_another_thread(
        message_post, visitor=visitor, sender=Sender.VISITOR, text="Do you open on Sundays?"
    )

    owner_context = browser.new_context(
        base_url=asgi_server.url, viewport={"width": 1400, "height": 900}, locale="en-US"
    )
    owner_context.set_default_timeout(10_000)
    page = owner_context.new_page()
    log_in(page, owner.user.email)
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team", level=1)).to_be_visible()
    page.get_by_label("E-mail addresses").fill("bea@example.com")
    page.get_by_label("Agent").check()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("Invitation sent to bea@example.com.")).to_be_visible()
    expect(page.get_by_text("bea@example.com · Agent")).to_be_visible()
    screenshot(page, "team-invited")
    assert_accessible(page, "team")

    [mail] = list(outbox.iterdir())
    body = mail.read_text()
    assert "Olga Owner invites you to join Acme on Tertulia as Agent." in body
    link = re.search(r"(http://\S+/team/join/\S+/)", body).group(1)
    assert link.startswith(page.url.split("/team/")[0])

    bea_context = browser.new_context(
        base_url=asgi_server.url, viewport={"width": 390, "height": 844}, locale="en-US"
    )
    bea_context.set_default_timeout(10_000)
    bea = bea_context.new_page()
    try:
        bea.goto(link)
        expect(bea.get_by_role("heading", name="Join Acme")).to_be_visible()
        assert_accessible(bea, "team-join")
        bea.get_by_label("Your name").fill("Bea Bravo")
        bea.get_by_label("Password", exact=True).fill(AGENT_PASSWORD)
        bea.get_by_label("Password again").fill(AGENT_PASSWORD)
        bea.get_by_label("Time zone").select_option("Europe/Madrid")
        screenshot(bea, "team-join-phone")
        bea.get_by_role("button", name="Create my account").click()
        bea.wait_for_url("**/visitors/")
        expect(bea.get_by_text("Welcome to Acme.")).to_be_visible()

        bea.goto(link)  # the link is used up
        expect(bea.get_by_text("This invitation was already used.")).to_be_visible()
        screenshot(bea, "team-link-used-phone")

        # The new agent answers a visitor from the Visitors page.
        bea.goto("/visitors/")
        bea.locator(f'tr[data-visitor="{visitor.pk}"]').get_by_role("link").first.click()
        panel = bea.get_by_role("complementary", name="Visitor details")
        expect(panel.get_by_role("heading", name="Vera Visitor")).to_be_visible()
        panel.get_by_role("link", name="Conversation").click()
        expect(panel.get_by_text("Do you open on Sundays?")).to_be_visible()
        reply = panel.get_by_label("Your message")
        reply.fill("Yes, from ten to two.")
        panel.get_by_role("button", name="Send").click()
        expect(panel.get_by_role("list", name="Conversation")).to_contain_text(
            "Yes, from ten to two."
        )
        stored = Message.objects.get(visitor=visitor, sender=Sender.AGENT)
        assert (stored.text, stored.agent.email) == ("Yes, from ten to two.", "bea@example.com")
        expect(bea.locator("body[data-live]")).to_have_count(1)  # her dashboard socket is open

        # A new role: her open page reloads by itself, with the menus of that role.
        page.reload()
        row = page.get_by_role("row").filter(has_text="bea@example.com")
        expect(row).to_contain_text("Agent")
        row.get_by_label("Role of Bea Bravo", exact=True).select_option("admin")
        with bea.expect_navigation():
            row.get_by_role("button", name="Change the role of Bea Bravo").click()
        expect(page.get_by_text("Bea Bravo is now Admin.")).to_be_visible()
        bea.goto("/bots/")
        expect(bea.get_by_role("heading", name="Bots")).to_be_visible()
        expect(bea.locator("body[data-live]")).to_have_count(1)

        # Removed: her open page leaves the dashboard, without her doing anything; a page that
        # began to leave and stayed (a mailto: link) does too, a moment later.
        bea.evaluate("() => window.dispatchEvent(new Event('beforeunload'))")
        page.get_by_role("button", name="Remove Bea Bravo").click()
        expect(page.get_by_text("Bea Bravo is no longer in this workspace.")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="bea@example.com")).to_have_count(0)
        screenshot(page, "team-removed")
        assert not Member.objects.filter(user__email="bea@example.com").exists()
        bea.wait_for_url("**/login/**")
        expect(bea.get_by_label("Password")).to_be_visible()
    finally:
        bea_context.close()
        owner_context.close()


def test_an_agent_sees_the_team_without_managing_it(page, owner, agent):
    log_in(page, agent.user.email)
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("cell", name="Olga Owner")).to_be_visible()
    expect(page.get_by_role("button", name="Send invitations")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    assert Member.objects.get(pk=owner.pk).role == Role.OWNER
    assert_accessible(page, "team-agent")


def test_a_member_of_two_workspaces_switches_from_the_top_bar(page, owner, other_owner):
    from tertulia.accounts.services import member_add

    member_add(
        workspace=other_owner.workspace,
        email=owner.user.email,
        password=PASSWORD,
        role=Role.AGENT,
    )
    log_in(page, owner.user.email)
    switcher = page.locator(".switcher")
    switcher.locator("summary").click()
    expect(switcher.get_by_text("Your workspaces")).to_be_visible()
    screenshot(page, "workspace-switcher")
    assert_accessible(page, "workspace-switcher")
    switcher.get_by_role("button", name="Globex").click()
    page.wait_for_url("**/visitors/")
    expect(page.get_by_text("You are working in Globex.")).to_be_visible()
    expect(page.locator(".switcher summary")).to_contain_text("Globex")
    expect(page.get_by_role("link", name="Bots")).to_have_count(0)  # an agent there

    # On a phone the switcher sits in the folded menu, one tap away.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(".menu-button").click()
    page.locator(".switcher summary").click()
    screenshot(page, "workspace-switcher-phone")
    page.locator(".switcher").get_by_role("button", name=owner.workspace.name).click()
    expect(page.get_by_text(f"You are working in {owner.workspace.name}.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_owner_deletes_the_workspace_after_typing_its_name(page, owner):
    log_in(page, owner.user.email)
    page.get_by_role("link", name="Workspace").click()
    page.get_by_role("link", name="Delete workspace…").click()
    expect(page.get_by_role("heading", name="Delete Acme?")).to_be_visible()
    page.get_by_label("The workspace's name").fill("Acme Inc")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete workspace").click()
    expect(page.get_by_text("Type the name exactly as it is: Acme")).to_be_visible()
    screenshot(page, "workspace-delete")
    assert_accessible(page, "workspace-delete")
    page.get_by_label("The workspace's name").fill("Acme")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete workspace").click()
    page.wait_for_url("**/login/**")
    expect(page.get_by_text("The workspace Acme is deleted.")).to_be_visible()
    assert not Member.objects.filter(pk=owner.pk).exists()
