"""The Workspace page's audit log and the bell, worded in the reader's language, as people see
them at desktop and phone size."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tertulia.accounts.models import AuditAction, Role
from tertulia.accounts.services import audit, member_add, member_set_role
from tertulia.notifications.services import notify_from_node, notify_live_chat_requested
from tests.browser.conftest import assert_accessible, log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def history(workspace, owner, bot):
    """A few months of a workspace: a member, a role change, flows saved, visitors removed."""
    bea = member_add(
        workspace=workspace,
        email="bea@acme.test",
        password=PASSWORD,
        role=Role.AGENT,
        name="Bea Bravo",
        actor=owner.user,
    )
    member_set_role(member=bea, role=Role.ADMIN, actor=owner.user)
    for before, after in ((8, 9), (9, 12)):
        audit(
            workspace_id=workspace.pk,
            actor=owner.user,
            action=AuditAction.FLOW_SAVED,
            bot=bot.pk,
            name=bot.name,
            steps_before=before,
            steps_after=after,
        )
    audit(
        workspace_id=workspace.pk,
        actor=owner.user,
        action=AuditAction.VISITOR_DELETED,
        number=41,
        status="customer",
    )
    audit(
        workspace_id=workspace.pk,
        actor=None,
        action=AuditAction.VISITORS_EXPIRED,
        count=17,
        days=90,
    )
    return bea


def test_the_workspace_log_records_a_change_and_filters_by_kind(page, owner, history):
    log_in(page, owner.user.email)
    page.get_by_role("link", name="Workspace").click()
    page.get_by_label("Store them in full").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The workspace settings are saved.")).to_be_visible()

    log = page.get_by_role("region", name="Audit log")
    entries = log.get_by_role("listitem")
    expect(entries.first).to_contain_text(
        "Olga Owner changed the workspace settings: visitors' IP addresses from "
        "“Store them shortened (last part zeroed)” to “Store them in full”"
    )
    expect(
        log.get_by_text("Olga Owner saved the flow of “Website bot” (9 → 12 steps)")
    ).to_be_visible()
    expect(
        log.get_by_text("Olga Owner changed the role of Bea Bravo from Agent to Admin")
    ).to_be_visible()
    log.scroll_into_view_if_needed()
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        log.scroll_into_view_if_needed()
        screenshot(page, f"workspace-audit-log-{width}x{height}")
    page.set_viewport_size({"width": 1400, "height": 900})
    screenshot(page, "workspace-audit-log-full", full_page=True)
    assert_accessible(page, "workspace-audit-log")

    # The filter is a plain form: choose a kind, press Filter.
    log.get_by_label("Show").select_option(label="Flow saved")
    log.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"\?kind=flow_saved#audit-log$"))
    log = page.get_by_role("region", name="Audit log")
    expect(log.get_by_role("listitem")).to_have_count(2)
    expect(log.get_by_label("Show")).to_have_value("flow_saved")
    screenshot(page, "workspace-audit-log-filtered")


def test_the_log_and_the_bell_in_spanish(page, workspace, owner, history, make_visitor, bot):
    member_add(
        workspace=workspace,
        email="adela@acme.test",
        password=PASSWORD,
        role=Role.ADMIN,
        name="Adela",
        language="es",
        actor=owner.user,
    )
    ana = make_visitor(name="Ana")
    # The visitor chatted in English; the Spanish admin reads her bell in Spanish.
    with translation.override("en"):
        notify_live_chat_requested(visitor=ana)
        notify_from_node(
            visitor=make_visitor(name="Bruno"),
            bot=bot,
            label="Nuevo cliente potencial",
            text="Quiere un presupuesto para 20 personas",
            config={"in_app": True},
        )

    log_in(page, "adela@acme.test")
    page.get_by_role("link", name="Espacio de trabajo").click()
    log = page.get_by_role("region", name="Registro de actividad")
    expect(log.get_by_text("Olga Owner añadió a Adela como Administrador")).to_be_visible()
    expect(
        log.get_by_text(
            "El ajuste de conservación eliminó 17 visitantes archivados hace más de 90 días"
        )
    ).to_be_visible()
    expect(log.get_by_text("Olga Owner eliminó a Visitante #41 (Cliente)")).to_be_visible()
    log.scroll_into_view_if_needed()
    screenshot(page, "workspace-audit-log-es")
    assert_accessible(page, "workspace-audit-log-es")

    page.get_by_label(re.compile(r"^Notificaciones: 2 ")).click()
    bell = page.locator(".bell__panel")
    expect(bell.get_by_text("Ana espera a una persona")).to_be_visible()
    expect(bell.get_by_text("Nuevo cliente potencial")).to_be_visible()
    expect(bell.get_by_text("Bruno ·")).to_be_visible()
    screenshot(page, "bell-es")
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"bell-es-{width}x{height}")
