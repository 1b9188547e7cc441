"""What the widget tells us about the visit: location from the address (also behind a proxy),
device, languages, screen, campaign, and the pages visited; bad reports are dropped, never a 500."""

import json

import pytest

from tertulia.visitors.models import PageView, Visitor
from tests.widget.client import action, open_chat, receive_until, reply_to, socket

CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.81 Mobile Safari/537.36"
)
PAGE = {
    "url": "https://shop.example/precios?utm_source=google&utm_medium=cpc&utm_campaign=otono&x=1",
    "title": "Precios",
    "referrer": "https://www.google.com/",
    "languages": ["es-ES", "es", "en"],
    "timezone": "Europe/Madrid",
    "screen": [412, 915],
}


def post(client, bot, path, body, token="", **extra):
    return client.post(
        f"/widget/{bot.public_key}/{path}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Tertulia-Token": token, **extra.pop("headers", {})},
        **extra,
    )


def test_a_new_visitor_gets_location_device_and_visit(client, bot):
    response = post(
        client,
        bot,
        "open",
        {"page": PAGE},
        REMOTE_ADDR="2.139.0.77",
        headers={"User-Agent": CHROME_ON_ANDROID},
    )
    assert response.status_code == 200
    visitor = Visitor.objects.get()
    assert (visitor.country, visitor.region, visitor.city) == ("ES", "Madrid", "Madrid")
    assert str(visitor.ip) == "2.139.0.0"  # shortened: the workspace's default
    assert (visitor.browser, visitor.os, visitor.device_type) == (
        "Chrome Mobile 131",
        "Android 14",
        "mobile",
    )
    assert visitor.languages == "es-ES, es, en"
    assert (visitor.timezone, visitor.screen) == ("Europe/Madrid", "412x915")
    assert visitor.referrer == "https://www.google.com/"
    assert visitor.landing_page == PAGE["url"]
    assert visitor.utm == {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "otono"}
    assert list(PageView.objects.values_list("url", "title")) == [(PAGE["url"], "Precios")]


@pytest.mark.parametrize(("policy", "stored"), [("none", None), ("full", "2.139.0.77")])
def test_the_location_is_found_before_the_address_is_dropped(
    client, bot, workspace, policy, stored
):
    workspace.ip_storage = policy
    workspace.save()
    post(client, bot, "open", {"page": PAGE}, REMOTE_ADDR="2.139.0.77")
    visitor = Visitor.objects.get()
    assert visitor.ip == stored
    assert visitor.city == "Madrid"


def test_behind_a_proxy_only_its_entry_counts(client, bot, settings):
    settings.PROXY_HEADER = "X-Forwarded-For"
    # The visitor wrote a London address; the proxy appended the real one (Guadalajara).
    forwarded = {"X-Forwarded-For": "81.2.69.170, 200.1.1.99"}
    post(client, bot, "open", {"page": PAGE}, REMOTE_ADDR="10.0.0.2", headers=forwarded)
    assert Visitor.objects.get().city == "Guadalajara"


def test_without_a_proxy_setting_a_forwarded_header_is_ignored(client, bot):
    forwarded = {"X-Forwarded-For": "81.2.69.170"}
    post(client, bot, "open", {"page": PAGE}, REMOTE_ADDR="127.0.0.1", headers=forwarded)
    visitor = Visitor.objects.get()
    assert (visitor.country, visitor.city, str(visitor.ip)) == ("", "", "127.0.0.0")


@pytest.mark.parametrize(
    "page",
    [
        {
            "url": "javascript:alert(1)",
            "referrer": "data:text/html,<b>x</b>",
            "languages": "es-ES",
            "screen": "1920x1080",
            "title": ["x"],
            "timezone": 5,
        },
        {"url": 12, "languages": [1, None, {"a": 1}], "screen": [True, 10]},
        {
            "url": "https://shop.example/" + "a" * 5000,
            "screen": [10**9, 10],
            "languages": ["x" * 99],
        },
        "not a dict",
    ],
)
def test_garbage_in_the_page_report_is_dropped(client, bot, page):
    response = post(client, bot, "open", {"page": page}, REMOTE_ADDR="2.139.0.77")
    assert response.status_code == 200
    visitor = Visitor.objects.get()
    assert visitor.landing_page in ("", "https://shop.example/" + "a" * 1979)
    assert visitor.referrer == "" and visitor.screen == "" and visitor.timezone == ""
    assert len(visitor.languages) <= 35
    assert all(url.startswith("https://") for url in PageView.objects.values_list("url", flat=True))


def test_page_changes_over_http(client, bot, settings):
    token = post(client, bot, "open", {"page": PAGE}).json()["token"]
    moves = [
        {"url": "https://shop.example/pan", "title": "Pan"},
        {"url": "https://shop.example/pan", "title": "Pan"},  # the same page again: kept once
        {"url": "javascript:alert(1)"},
        {"title": "no address"},
        {"url": "https://shop.example/tartas", "title": "<b>Tartas</b>"},
    ]
    for move in moves:
        assert post(client, bot, "page", move, token).status_code == 204
    assert [v.title for v in PageView.objects.order_by("id")] == ["Precios", "Pan", "<b>Tartas</b>"]
    assert post(client, bot, "page", moves[0], "forged").status_code == 401
    # Reopening on another page (a new page load) counts as a page change.
    post(client, bot, "open", {"token": token, "page": {"url": "https://shop.example/"}})
    assert PageView.objects.count() == 4 and Visitor.objects.count() == 1


def test_page_changes_are_limited(client, bot, settings):
    token = post(client, bot, "open", {"page": PAGE}).json()["token"]
    for n in range(40):
        post(client, bot, "page", {"url": f"https://shop.example/{n}"}, token)
    assert PageView.objects.count() == 1 + 30


def test_resuming_never_creates_a_visitor(client, bot):
    response = post(client, bot, "open", {"resume": True, "token": "", "page": PAGE})
    assert response.status_code == 404
    assert response.json()["error"] == "no_conversation"
    assert not Visitor.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_page_changes_over_the_socket(bot, asgi_server):
    _, opened, _ = open_chat(asgi_server, bot.public_key)
    with socket(asgi_server, bot.public_key, opened["token"]) as ws:
        json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"type": "page", "url": "https://shop.example/pan", "title": "Pan"}))
        ws.send(json.dumps({"type": "page", "url": "ftp://shop.example/"}))
        ws.send(json.dumps({"type": "page", "url": "https://shop.example/tartas"}))
        # Page reports get no answer; frames are handled in order, so this ack comes after them.
        said = action("text", text="hola")
        ws.send(json.dumps(said))
        receive_until(ws, reply_to(said["client_id"]))
    urls = list(PageView.objects.order_by("id").values_list("url", flat=True))
    assert urls == [
        "https://shop.example/prices",
        "https://shop.example/pan",
        "https://shop.example/tartas",
    ]
