"""The widget's public HTTP side: loader, iframe page, the fallback API and its refusals."""

import json

import pytest

from tertulia.conversations.models import Message
from tertulia.visitors.models import Visitor


def post(client, bot, path, body, token=""):
    return client.post(
        f"/widget/{bot.public_key}/{path}",
        data=body if isinstance(body, bytes | str) else json.dumps(body),
        content_type="application/json",
        headers={"X-Tertulia-Token": token},
    )


def test_loader_and_look_are_public_and_cacheable(client, bot):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"data-bot" in response.content
    look = client.get(f"/widget/{bot.public_key}/look")
    assert look["Access-Control-Allow-Origin"] == "*"
    assert look.json()["colour"] == bot.colour


def test_frame_may_only_be_embedded_by_allowed_sites(client, bot):
    assert (
        "frame-ancestors *" in client.get(f"/widget/{bot.public_key}/")["Content-Security-Policy"]
    )
    bot.allowed_origins = ["https://shop.example"]
    bot.save()
    response = client.get(f"/widget/{bot.public_key}/")
    assert "frame-ancestors 'self' https://shop.example" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert client.get("/widget/nope/").status_code == 404


def test_open_from_a_site_not_allowed_is_refused_and_stores_nothing(client, bot):
    bot.allowed_origins = ["https://shop.example"]
    bot.save()
    response = post(client, bot, "open", {"origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"] == "origin"
    assert not Visitor.objects.exists()
    assert post(client, bot, "open", {"origin": "https://shop.example"}).status_code == 200


def test_garbage_gets_a_clear_4xx(client, bot):
    assert post(client, bot, "open", b"{not json").status_code == 400
    assert post(client, bot, "open", "[1, 2]").json()["error"] == "bad_request"
    assert (
        client.post("/widget/nope/open", "{}", content_type="application/json").status_code == 404
    )
    assert post(client, bot, "send", {"type": "text"}, token="forged").status_code == 401
    assert post(client, bot, "open", b"x" * 70_000).status_code == 413


def test_new_visitors_per_ip_are_limited_with_retry_after(client, bot, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "new_visitors_per_ip": (2, 60)}
    assert [post(client, bot, "open", {}).status_code for _ in range(2)] == [200, 200]
    refused = post(client, bot, "open", {})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Visitor.objects.count() == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "", "email": "a@example.com"}, "name"),
        ({"name": "Ana", "email": "not-an-email"}, "email"),
        ({"name": "Ana", "email": "a@example.com", "phone": "12"}, "phone"),
        ({"name": "A" * 501, "email": "a@example.com"}, "name"),
    ],
)
def test_form_values_are_checked_again_on_the_server(client, bot, values, field):
    opened = post(client, bot, "open", {}).json()
    token = opened["token"]
    post(
        client,
        bot,
        "send",
        {"type": "choose", "client_id": "c1", "node": "topic", "option": "support"},
        token,
    )
    response = post(
        client,
        bot,
        "send",
        {"type": "submit", "client_id": "c2", "node": "contact", "values": values},
        token,
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}
    visitor = Visitor.objects.get()
    assert visitor.name is None and visitor.email == ""
    assert not Message.objects.filter(client_id="c2").exists()


def test_the_visitor_never_gets_status_changes_or_notes(client, bot, owner):
    from tertulia.conversations.services import visitor_set_status

    opened = post(client, bot, "open", {}).json()
    visitor = Visitor.objects.get()
    visitor_set_status(visitor=visitor, status="customer", actor=owner.user)
    polled = client.get(
        f"/widget/{bot.public_key}/messages?after=0",
        headers={"X-Tertulia-Token": opened["token"]},
    ).json()
    assert [m["kind"] for m in polled["messages"]] == ["text", "options"]


def test_demo_page_embeds_the_demo_bot(client, bot, workspace):
    workspace.name = "Demo"
    workspace.save()
    response = client.get("/demo/")
    assert response.status_code == 200
    assert f'data-bot="{bot.public_key}"'.encode() in response.content
