"""The bot pages and the flow editor's server side."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from tertulia.flows.models import Bot
from tertulia.flows.services import bot_create
from tertulia.flows.starter import starter_flow


def test_agents_cannot_change_bots(agent_client, bot):
    assert agent_client.get("/bots/").status_code == 403
    assert agent_client.post(f"/bots/{bot.pk}/flow/", {"flow": "{}"}).status_code == 403


def test_another_workspaces_bot_is_a_404(owner_client, other_owner):
    theirs = bot_create(workspace=other_owner.workspace, name="Theirs")
    for url in (f"/bots/{theirs.pk}/", f"/bots/{theirs.pk}/flow/", f"/bots/{theirs.pk}/flow.json"):
        assert owner_client.get(url).status_code == 404


def test_new_bots_start_from_the_template(owner_client, workspace):
    response = owner_client.post("/bots/", {"name": "Shop"})
    bot = Bot.objects.get(workspace=workspace, name="Shop")
    assert response.status_code == 302
    assert bot.flow == starter_flow()
    page = owner_client.get(f"/bots/{bot.pk}/")
    assert f'data-bot="{bot.public_key}"' in page.content.decode().replace("&quot;", '"')
    assert "Paste this tag before &lt;/body&gt; on every page" in page.content.decode()
    assert "t=&lt;unix time&gt;,v1=" in page.content.decode()


def test_settings_refuse_bad_sites_and_colours(owner_client, bot):
    response = owner_client.post(
        f"/bots/{bot.pk}/",
        {
            "name": "Shop",
            "title": "Chat",
            "colour": "red",
            "position": "right",
            "allowed_origins_text": "https://shop.example\nshop.example/path",
        },
    )
    assert response.status_code == 200
    assert "Not a site address: shop.example/path" in response.content.decode()
    assert "Use a colour like" in response.content.decode()
    bot.refresh_from_db()
    assert bot.allowed_origins == []
    owner_client.post(
        f"/bots/{bot.pk}/",
        {
            "name": "Shop",
            "title": "Chat",
            "colour": "#112233",
            "position": "left",
            "allowed_origins_text": "https://Shop.example/\n\nhttps://shop.example",
        },
    )
    bot.refresh_from_db()
    assert (bot.colour, bot.position, bot.allowed_origins) == (
        "#112233",
        "left",
        ["https://shop.example"],
    )


def test_an_invalid_flow_is_explained_and_not_saved(owner_client, bot):
    flow = starter_flow()
    flow["nodes"].append({"id": "orphan", "type": "end", "label": "Lonely end"})
    flow["nodes"][1]["next"] = "ghost"
    response = owner_client.post(f"/bots/{bot.pk}/flow/", {"flow": json.dumps(flow)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "“Lonely end” can never be reached" in text
    assert "“Welcome” leads to a node that does not exist" in text
    bot.refresh_from_db()
    assert bot.flow == starter_flow()
    assert owner_client.post(f"/bots/{bot.pk}/flow/", {"flow": "nope"}).status_code == 400


def test_export_then_import_round_trips(owner_client, bot):
    exported = owner_client.get(f"/bots/{bot.pk}/flow.json")
    assert exported["Content-Disposition"].startswith("attachment")
    flow = json.loads(exported.content)
    flow["nodes"][1]["text"] = "¡Hola!"
    upload = SimpleUploadedFile("flow.json", json.dumps(flow).encode(), "application/json")
    assert owner_client.post(f"/bots/{bot.pk}/flow/import", {"file": upload}).status_code == 302
    bot.refresh_from_db()
    assert bot.flow["nodes"][1]["text"] == "¡Hola!"

    for content, message in (
        (b"\xff\xfe", "This file is not JSON."),
        (b'{"a": 1}', "it has no list of nodes"),
    ):
        upload = SimpleUploadedFile("flow.json", content, "application/json")
        response = owner_client.post(f"/bots/{bot.pk}/flow/import", {"file": upload})
        assert response.status_code == 400
        assert message in response.content.decode()
    bot.refresh_from_db()
    assert bot.flow["nodes"][1]["text"] == "¡Hola!"


def test_the_editor_names_steps_fields_and_comparisons_in_the_members_language(
    owner_client, owner, bot
):
    from tertulia.flows import engine, labels

    # Every key of the engine has its name, and nothing else has one.
    assert list(labels.STEP_TYPES) == list(engine.NODE_TYPES)
    assert list(labels.FIELD_TYPES) == list(engine.FIELD_TYPES)
    assert list(labels.COMPARISONS) == list(engine.CONDITION_OPS)
    owner.user.language = "es"
    owner.user.save()
    page = owner_client.get(f"/bots/{bot.pk}/flow/").content.decode()
    assert '<option value="live_chat">Chat en vivo</option>' in page  # "Add a step"
    assert '<option value="email">Correo</option>' in page  # a new form field's type
    assert '<option value="not_equals" >no es igual a</option>' in page  # a condition
    assert '<span class="node__type">Mensaje</span>' in page
    assert ">live_chat<" not in page and ">not_equals<" not in page
