"""Saved replies: who sees and changes which, and how one is filled for a visitor."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tertulia.conversations.models import SavedReply
from tertulia.conversations.replies import (
    saved_replies_for,
    saved_reply_delete,
    saved_reply_save,
)


def data(shortcut="hours", text="Hi {name}, we open 9-14. {agent}", language="", title="Hours"):
    return {"title": title, "shortcut": shortcut, "language": language, "text": text}


def test_filled_for_the_visitor_in_their_language_the_members_own_first(owner, agent, make_visitor):
    saved_reply_save(member=owner, data=data(), personal=False)
    saved_reply_save(
        member=owner,
        data=data(text="Hola {name}, abrimos de 9 a 14.", language="es"),
        personal=False,
    )
    saved_reply_save(member=owner, data=data("plan", "Your plan: {plan} {unknown}"), personal=False)
    lucia = make_visitor(name="Lucía", languages="es-ES, es", attributes={"plan": "pro"})
    zoe = make_visitor(name="Zoe", languages="en-GB")
    offered = {r["shortcut"]: r["text"] for r in saved_replies_for(member=agent, visitor=lucia)}
    assert offered == {
        "hours": "Hola Lucía, abrimos de 9 a 14.",
        "plan": "Your plan: pro {unknown}",
    }
    offered = {r["shortcut"]: r["text"] for r in saved_replies_for(member=agent, visitor=zoe)}
    assert offered["hours"] == "Hi Zoe, we open 9-14. Ana Agent"
    # Ana's own /hours comes before the workspace's.
    saved_reply_save(member=agent, data=data(text="Mine, {name}"), personal=True)
    offered = {r["shortcut"]: r["text"] for r in saved_replies_for(member=agent, visitor=zoe)}
    assert offered["hours"] == "Mine, Zoe"
    # Olga never sees Ana's own.
    offered = {r["shortcut"]: r["text"] for r in saved_replies_for(member=owner, visitor=zoe)}
    assert offered["hours"] == "Hi Zoe, we open 9-14. Olga Owner"


def test_agents_keep_their_own_only_managers_the_workspaces(owner, agent):
    with pytest.raises(PermissionDenied):
        saved_reply_save(member=agent, data=data(), personal=False)
    shared = saved_reply_save(member=owner, data=data(), personal=False)
    with pytest.raises(PermissionDenied):
        saved_reply_delete(member=agent, reply=shared)
    mine = saved_reply_save(member=agent, data=data(), personal=True)
    with pytest.raises(PermissionDenied):
        saved_reply_save(member=owner, data=data("x"), personal=True, reply=mine)
    saved_reply_delete(member=agent, reply=mine)
    assert list(SavedReply.objects.all()) == [shared]


def test_a_shortcut_is_unique_per_language_in_its_scope(owner, agent):
    saved_reply_save(member=owner, data=data(), personal=False)
    with pytest.raises(ValidationError):
        saved_reply_save(member=owner, data=data(), personal=False)
    saved_reply_save(member=owner, data=data(language="es"), personal=False)
    saved_reply_save(member=agent, data=data(), personal=True)  # her own may share it
    assert SavedReply.objects.count() == 3
