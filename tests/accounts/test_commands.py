import io

import pytest
from django.core.management import CommandError, call_command

from tertulia.accounts.models import Member, Role, Workspace
from tertulia.conversations.models import Message, MessageKind, StatusChange
from tertulia.visitors.models import Visitor
from tertulia.visitors.text import fold


def test_createadmin_makes_workspace_and_owner(db):
    out = io.StringIO()
    call_command(
        "createadmin",
        email="Boss@Shop.test",
        password="a-long-password-1",
        workspace="Shop",
        stdout=out,
    )
    member = Member.objects.get(workspace__name="Shop")
    assert member.role == Role.OWNER and member.user.email == "boss@shop.test"
    assert member.user.check_password("a-long-password-1")
    assert "Created workspace 'Shop'" in out.getvalue()


def test_createadmin_refuses_duplicates_and_weak_passwords(db):
    call_command(
        "createadmin",
        email="a@shop.test",
        password="a-long-password-1",
        workspace="Shop",
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "createadmin", email="b@shop.test", password="a-long-password-1", workspace="Shop"
        )
    with pytest.raises(CommandError, match="Password refused"):
        call_command("createadmin", email="c@shop.test", password="123", workspace="Other")


def test_seed_makes_realistic_visitors_with_every_message_kind(owner):
    call_command(
        "seed", visitors=120, messages_per_visitor=9, workspace="Acme", stdout=io.StringIO()
    )
    visitors = Visitor.objects.filter(workspace=owner.workspace)
    assert visitors.count() == 120
    assert sorted(visitors.values_list("number", flat=True)) == list(range(1, 121))
    assert (
        visitors.filter(name__isnull=True).exists() and visitors.filter(name__isnull=False).exists()
    )
    assert set(visitors.values_list("status", flat=True)) == {
        "new",
        "lead",
        "customer",
        "closed",
        "archived",
    }
    assert visitors.exclude(country="").exists() and visitors.exclude(phone="").exists()
    assert set(Message.objects.values_list("kind", flat=True)) >= {
        MessageKind.TEXT,
        MessageKind.OPTIONS,
        MessageKind.OPTION_CHOICE,
        MessageKind.FORM,
        MessageKind.FORM_SUBMISSION,
        MessageKind.STATUS_CHANGE,
    }
    for visitor in visitors[:20]:
        assert visitor.message_count == visitor.messages.counted().count()
        if visitor.name:
            assert fold(visitor.name) in visitor.search_text
    assert StatusChange.objects.filter(flow_node_label="Sales lead").exists()
    # Numbers continue after a second run.
    call_command("seed", visitors=5, workspace="Acme", stdout=io.StringIO())
    assert Workspace.objects.get(pk=owner.workspace_id).visitor_seq == 125


def test_seed_needs_an_existing_workspace(db):
    with pytest.raises(CommandError, match="createadmin"):
        call_command("seed", visitors=1, workspace="Nope")


def test_setupdemo_runs_once(db):
    call_command("setupdemo", stdout=io.StringIO())
    call_command("setupdemo", stdout=io.StringIO())
    assert Workspace.objects.filter(name="Demo").count() == 1
    assert Visitor.objects.count() == 240
