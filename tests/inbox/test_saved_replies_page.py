"""The Saved replies page over HTTP."""

from django.test import Client
from django.urls import reverse

from tertulia.conversations.models import SavedReply
from tertulia.conversations.replies import saved_reply_save

LIST = reverse("replies:list")


def reply(**fields):
    return {"title": "Hours", "shortcut": "/Hours", "language": "", "text": "9-14", **fields}


def test_a_manager_adds_one_for_everyone_an_agent_for_herself(owner_client, agent_client, agent):
    assert owner_client.post(LIST, reply(scope="workspace")).status_code == 302
    assert agent_client.post(LIST, reply(scope="workspace", shortcut="own")).status_code == 302
    shared, own = SavedReply.objects.order_by("pk")
    assert (shared.shortcut, shared.owner) == ("hours", None)
    assert own.owner == agent  # agents have no choice: their own
    page = agent_client.get(LIST).content.decode()
    assert "/hours" in page and "/own" in page and 'name="scope"' not in page


def test_bad_input_is_refused_with_messages(owner_client):
    response = owner_client.post(LIST, reply(shortcut="two words", text=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and "letters, numbers, underscores" in page
    owner_client.post(LIST, reply(scope="workspace"))
    response = owner_client.post(LIST, reply(scope="workspace"))
    assert response.status_code == 400
    assert "There is already a saved reply /hours in that language." in response.content.decode()


def test_others_replies_are_out_of_reach(owner, agent, agent_client, other_owner):
    olgas_own = saved_reply_save(member=owner, data=reply(shortcut="mine"), personal=True)
    shared = saved_reply_save(member=owner, data=reply(shortcut="hours"), personal=False)
    assert agent_client.get(reverse("replies:edit", args=[olgas_own.pk])).status_code == 404
    assert agent_client.post(reverse("replies:delete", args=[olgas_own.pk])).status_code == 404
    assert agent_client.get(reverse("replies:edit", args=[shared.pk])).status_code == 403
    assert agent_client.post(reverse("replies:delete", args=[shared.pk])).status_code == 403
    stranger = Client()
    stranger.force_login(other_owner.user)
    assert stranger.get(reverse("replies:edit", args=[shared.pk])).status_code == 404
    assert SavedReply.objects.count() == 2
