"""Known visitors through the widget's open request: `identify` with and without identity
verification, `setParams`, a verified user continued on another browser."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tertulia.conversations.identity import new_identity_secret, user_hash
from tertulia.conversations.models import Message, Sender
from tertulia.visitors.models import Visitor, VisitorToken
from tests.strategies import hostile_text, json_values, maybe

identities = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "userId": maybe(st.one_of(st.integers(), hostile_text)),
            "userHash": maybe(st.text("0123456789abcdef", min_size=64, max_size=64)),
            "name": maybe(hostile_text),
            "email": maybe(st.just("ana@example.com")),
            "phone": maybe(st.just("+34 612 345 678")),
            "plan": json_values,
        },
    ),
)


def open_chat(client, bot, *, token="", **body):
    response = client.post(
        f"/widget/{bot.public_key}/open",
        data=json.dumps({"token": token, **body}),
        content_type="application/json",
    )
    assert response.status_code < 500, response.content
    return response


def send(client, bot, token, text):
    response = client.post(
        f"/widget/{bot.public_key}/send",
        data=json.dumps({"type": "text", "client_id": text, "text": text}),
        content_type="application/json",
        headers={"X-Tertulia-Token": token},
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def secret(workspace):
    workspace.identity_secret = new_identity_secret()
    workspace.save()
    return workspace.identity_secret


def test_without_verification_identify_fills_the_visitor_unverified(client, bot):
    reply = open_chat(
        client,
        bot,
        identity={
            "userId": 42,
            "name": "Ana Ruiz",
            "email": "Ana@Example.COM",
            "phone": "not a phone",
            "plan": "pro",
        },
    ).json()
    assert reply["identity"]["status"] == "identified"
    assert "phone" in reply["identity"]["problems"]
    visitor = Visitor.objects.get()
    assert (visitor.external_id, visitor.identity_verified) == ("42", False)
    assert (visitor.name, visitor.email, visitor.phone) == ("Ana Ruiz", "Ana@example.com", "")
    assert visitor.attributes == {"plan": "pro"}


def test_with_verification_a_forged_hash_is_refused_and_the_visitor_stays_anonymous(
    client, bot, secret
):
    for forged in ({"userId": "u1", "name": "Eve"}, {"userId": "u1", "userHash": "0" * 64}):
        reply = open_chat(client, bot, identity={**forged, "name": "Eve"}).json()
        assert reply["identity"]["status"] == "refused"
        assert "userHash" in reply["identity"]["problems"]
    assert not Visitor.objects.exclude(name=None).exists()
    assert not Visitor.objects.exclude(external_id=None).exists()


def test_a_verified_user_continues_one_conversation_on_every_browser(client, bot, secret):
    identity = {"userId": "u-7", "userHash": user_hash(secret, "u-7"), "name": "Ana"}
    first = open_chat(client, bot, identity=identity).json()
    assert first["identity"]["status"] == "verified"
    send(client, bot, first["token"], "from the laptop")

    # The phone: first an anonymous chat of its own, then the site says who it is.
    phone = open_chat(client, bot).json()
    assert phone["visitor"]["id"] != first["visitor"]["id"]
    again = open_chat(client, bot, token=phone["token"], identity=identity).json()
    assert again["visitor"]["id"] == first["visitor"]["id"]
    assert again["token"] not in (first["token"], phone["token"])
    assert "from the laptop" in [m["text"] for m in again["messages"]]
    send(client, bot, again["token"], "from the phone")
    texts = Message.objects.filter(visitor_id=first["visitor"]["id"], sender=Sender.VISITOR)
    assert sorted(texts.values_list("text", flat=True)) == ["from the laptop", "from the phone"]
    # Both browsers keep their tokens for the one visitor.
    assert open_chat(client, bot, token=again["token"]).json()["visitor"] == first["visitor"]
    assert open_chat(client, bot, token=first["token"]).json()["visitor"] == first["visitor"]
    # A new browser that has never chatted resumes the person in the background too.
    resumed = open_chat(client, bot, resume=True, identity=identity).json()
    assert resumed["visitor"] == first["visitor"]


def test_another_verified_user_on_the_same_browser_gets_a_new_conversation(client, bot, secret):
    ana = open_chat(client, bot, identity={"userId": "ana", "userHash": user_hash(secret, "ana")})
    token = ana.json()["token"]
    bob = open_chat(
        client, bot, token=token, identity={"userId": "bob", "userHash": user_hash(secret, "bob")}
    ).json()
    assert bob["visitor"]["id"] != ana.json()["visitor"]["id"]
    assert Visitor.objects.get(pk=bob["visitor"]["id"]).external_id == "bob"
    # An unknown verified user in the background starts nothing.
    quiet = {"userId": "cy", "userHash": user_hash(secret, "cy")}
    assert open_chat(client, bot, resume=True, identity=quiet).status_code == 404


def test_set_params_become_custom_attributes_and_bad_ones_are_named(client, bot):
    token = open_chat(client, bot, params={"order": "A-17", "total": 99.5}).json()["token"]
    reply = open_chat(client, bot, token=token, params={"plan": {"nested": True}}).json()
    assert "params" in reply["identity"]["problems"]
    assert Visitor.objects.get().attributes == {"order": "A-17", "total": 99.5}


def test_anonymising_forgets_the_user_id_and_every_browser(client, bot, secret, owner):
    from tertulia.privacy.services import visitor_anonymise

    identity = {"userId": "u-9", "userHash": user_hash(secret, "u-9")}
    first = open_chat(client, bot, identity=identity).json()
    second = open_chat(client, bot, token=open_chat(client, bot).json()["token"], identity=identity)
    visitor = Visitor.objects.get(pk=first["visitor"]["id"])
    visitor_anonymise(visitor=visitor, actor=owner.user)
    visitor.refresh_from_db()
    assert (visitor.external_id, visitor.identity_verified_at) == (None, None)
    assert not VisitorToken.objects.exists()
    for token in (first["token"], second.json()["token"]):
        assert open_chat(client, bot, token=token, resume=True).status_code == 404


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(identity=identities, params=maybe(st.dictionaries(hostile_text, json_values, max_size=60)))
def test_any_identity_or_params_get_a_clear_answer(client, bot, identity, params):
    token = Visitor.objects.exists() and TOKENS.get(bot.pk)
    response = open_chat(client, bot, token=token or "", identity=identity, params=params)
    assert response.status_code in (200, 400, 413), response.content
    if response.status_code == 200:
        TOKENS[bot.pk] = response.json()["token"]
        assert response.json()["identity"]["status"] in ("anonymous", "identified", "refused")


TOKENS: dict[int, str] = {}  # the browser the examples share (one visitor, not one each)
