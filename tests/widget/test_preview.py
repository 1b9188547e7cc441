"""The flow editor's "Try it": a test conversation starts only when asked for, only with the
editor's signed pass, and stays out of the Visitors list and its counts unless asked for."""

import json
import re

from django.urls import reverse

from tertulia.flows.preview import preview_pass
from tertulia.flows.services import bot_create
from tertulia.visitors.models import Visitor
from tests.helpers import body

LIST = reverse("visitors:list")


def open_chat(client, bot, **fields):
    return client.post(
        f"/widget/{bot.public_key}/open",
        data=json.dumps({"page": {"url": "https://shop.example/"}, **fields}),
        content_type="application/json",
    )


def test_the_editor_starts_no_conversation_and_hands_its_chat_a_pass(owner_client, bot):
    page = owner_client.get(f"/bots/{bot.pk}/flow/").content.decode()
    assert not Visitor.objects.exists()
    src = re.search(r'data-src="([^"]+)"', page).group(1).replace("&amp;", "&")
    chat = owner_client.get(src).content.decode()
    config = json.loads(re.search(r'id="tertulia-config"[^>]*>(.*?)</script>', chat).group(1))
    assert config["preview"] and not Visitor.objects.exists()


def test_only_a_valid_pass_for_this_bot_makes_a_test_conversation(client, bot, workspace):
    other = bot_create(workspace=workspace, name="Other bot")
    assert open_chat(client, bot, preview=preview_pass(bot)).status_code == 200
    for forged in (preview_pass(other), "x", preview_pass(bot) + "x", 7, ["a"], None, "é" * 500):
        assert open_chat(client, bot, preview=forged).status_code == 200
    assert Visitor.objects.filter(is_preview=True).count() == 1
    assert Visitor.objects.filter(is_preview=False).count() == 7


def test_test_conversations_are_left_out_of_the_list_unless_asked_for(owner_client, make_visitor):
    make_visitor(name="Real Rita")
    make_visitor(name="Tried Tomás", is_preview=True)
    html = owner_client.get(LIST).content.decode()
    assert "Real Rita" in html and "Tried Tomás" not in html
    assert re.search(r"New\s*<span[^>]*>\s*1\s*<", html)
    only_tests = owner_client.get(LIST, {"preview": "on"}).content.decode()
    assert "Tried Tomás" in only_tests and "Real Rita" not in only_tests
    assert ">Test<" in only_tests
    export = owner_client.get(reverse("visitors:export", args=["csv"]), {"scope": "all"})
    assert "Tried Tomás" not in body(export).decode()
