"""Whatever a stranger sends the public HTTP side, the answer is a clear 4xx (JSON with an error
code and a message on the widget's API), never a 500 and never a traceback in the log."""

import json
import logging
from urllib.parse import quote, quote_from_bytes

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tertulia.conversations.models import Message
from tertulia.visitors.models import PageView, Visitor
from tests import strategies as hostile

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
API = ("open", "send", "typing", "page")
ODD_KEYS = [
    "nope",
    "%00",
    "a%00b",
    "%ff%fe",
    "%ed%a0%80",  # a surrogate in UTF-8 bytes
    "ñandú",
    "💬",
    "k" * 5_000,
    "..",
    "%2e%2e",
    "a%2fb",
    "%20",
    "<script>",
]


@pytest.fixture
def stranger(settings):
    """A client that sees a 500 as a 500 (not as the exception behind it), as browsers do."""
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


def assert_clean(response, log, *, json_api=True):
    """A 2xx or a clear 4xx (JSON with a code and a message on the API); nothing alarming logged."""
    assert response.status_code < 500, response.content[:500]
    if json_api and response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        answer = response.json()
        assert answer["error"] and answer["message"], answer
    alarming = [r for r in log.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not alarming, [r.getMessage()[:300] for r in alarming]


def post(client, bot, path, body: bytes, token=""):
    return client.post(
        f"/widget/{bot.public_key}/{path}",
        data=body,
        content_type="application/json",
        headers={"X-Tertulia-Token": token},
    )


def fresh_visitor(client, bot, *, waiting_for="options") -> str:
    """A new visitor's token, the flow waiting for an option (or, with "form", the form)."""
    cache.clear()  # rate limits start again for every example
    token = post(client, bot, "open", b"{}").json()["token"]
    if waiting_for == "form":
        choose = {"type": "choose", "client_id": "pick", "node": "topic", "option": "sales"}
        assert post(client, bot, "send", json.dumps(choose).encode(), token).status_code == 200
    return token


@FUZZ
@given(body=hostile.raw_bodies, path=st.sampled_from(API))
@example(body=hostile.Blob(b"{" * 60_000), path="open")
@example(
    body=hostile.Blob(b'{"type": "text"}' + b" " * 3_000_000), path="send"
)  # past Django's own limit
def test_any_body_on_any_endpoint(stranger, bot, log, body, path):
    token = fresh_visitor(stranger, bot)
    log.clear()
    assert_clean(post(stranger, bot, path, body, token), log)


@FUZZ
@given(body=hostile.bodies(hostile.open_bodies))
@example(body=b'{"page": {"title": "\\ud800", "url": "https://shop.example/\\udfff"}}')
@example(body=b'{"page": {"title": "a\\u0000b", "url": "https://shop.example/\\u0000"}}')
@example(body=b'{"token": 12, "origin": ["https://shop.example"], "resume": "yes"}')
def test_any_open_request(stranger, bot, log, body):
    cache.clear()
    log.clear()
    response = post(stranger, bot, "open", body)
    assert_clean(response, log)
    if response.status_code == 200:  # what was stored can be read back, on both databases
        visitor = Visitor.objects.get(pk=response.json()["visitor"]["id"])
        assert (
            stranger.get(
                f"/widget/{bot.public_key}/messages",
                headers={"X-Tertulia-Token": response.json()["token"]},
            ).status_code
            == 200
        )
        list(PageView.objects.filter(visitor=visitor).values_list("url", "title"))


@FUZZ
@given(
    act=st.one_of(hostile.actions("text"), hostile.actions("choose"), hostile.actions("typing")),
    ascii_only=st.booleans(),
)
@example(act={"type": "text", "client_id": "c", "text": "\ud83d"}, ascii_only=True)
@example(act={"type": "text", "client_id": "c", "text": "a\x00b"}, ascii_only=True)
@example(act={"type": "text", "client_id": "\udc00", "text": "hola"}, ascii_only=True)
@example(act={"type": "choose", "client_id": "c", "node": "topic", "option": []}, ascii_only=True)
@example(act={"type": "choose", "client_id": "c", "node": {}, "option": {}}, ascii_only=True)
@example(act={"type": "text", "client_id": "c", "text": 12}, ascii_only=True)
def test_any_action(stranger, bot, log, act, ascii_only):
    token = fresh_visitor(stranger, bot)
    log.clear()
    response = post(stranger, bot, "send", hostile.encode(act, ascii_only), token)
    assert_clean(response, log)
    # Every message stored reads back as it was sent back, on both databases.
    for message in Message.objects.filter(visitor__bot=bot):
        json.dumps(message.widget_json())


@FUZZ
@given(act=hostile.actions("submit"), ascii_only=st.booleans())
@example(
    act={"type": "submit", "client_id": "c", "node": "contact", "values": {"name": "\ud800"}},
    ascii_only=True,
)
@example(
    act={"type": "submit", "client_id": "c", "node": "contact", "values": {"name": "a\x00"}},
    ascii_only=True,
)
@example(
    act={
        "type": "submit",
        "client_id": "c",
        "node": "contact",
        "values": {"name": "Ana\ud800", "email": "ana@example.com"},
    },
    ascii_only=True,
)
def test_any_form_submission(stranger, bot, log, act, ascii_only):
    token = fresh_visitor(stranger, bot, waiting_for="form")
    log.clear()
    response = post(stranger, bot, "send", hostile.encode(act, ascii_only), token)
    assert_clean(response, log)
    if response.status_code == 200:  # the details are stored as text both databases keep
        visitor = Visitor.objects.filter(bot=bot).latest("pk")
        for value in (visitor.name or "", visitor.email, visitor.phone):
            value.encode()
            assert "\x00" not in value


@FUZZ
@given(page=hostile.actions("page"), ascii_only=st.booleans())
def test_any_page_report(stranger, bot, log, page, ascii_only):
    token = fresh_visitor(stranger, bot)
    log.clear()
    assert_clean(post(stranger, bot, "page", hostile.encode(page, ascii_only), token), log)


@FUZZ
@given(
    after=st.one_of(
        st.sampled_from(["-1", "1e99", "abc", "", "9" * 30, "9" * 5_000, "0x10", "١٢", "%00"]),
        st.text(hostile.hostile_chars, max_size=20).map(lambda t: quote(t, errors="replace")),
    ),
    token=st.one_of(st.just(None), st.text(st.characters(max_codepoint=0xFF), max_size=200)),
)
def test_polling_with_any_query(stranger, bot, log, after, token):
    real = fresh_visitor(stranger, bot)
    log.clear()
    response = stranger.get(
        f"/widget/{bot.public_key}/messages?after={after}&visitor={after}",
        headers={"X-Tertulia-Token": real if token is None else token},
    )
    assert_clean(response, log)


@pytest.mark.parametrize("key", ODD_KEYS)
@pytest.mark.parametrize("path", ["", "look", "open", "send", "messages", "typing", "page"])
def test_any_bot_key(stranger, bot, log, key, path):
    method = stranger.get if path in ("", "look", "messages") else stranger.post
    response = method(f"/widget/{key}/{path}", content_type="application/json")
    assert response.status_code == 404
    # "a%2fb" is "a/b": no widget address at all, Django's own 404 page.
    assert_clean(response, log, json_api=path not in ("", "look") and "%2f" not in key)


@pytest.mark.parametrize("key", ["%ed%a0%80", "%ff", "a%00"])
def test_broken_bytes_in_the_key(stranger, bot, log, key):
    raw = quote_from_bytes(key.encode())
    for path in ("", "look", "messages"):
        assert stranger.get(f"/widget/{raw}/{path}").status_code == 404
    assert_clean(stranger.get(f"/widget/{key}/messages"), log)


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["origin", "url", "ref", "title", "resume", "lang", "x"]),
        st.one_of(
            hostile.hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.binary(max_size=50),
        ),
        max_size=6,
    )
)
def test_the_chat_page_and_the_look_with_any_query(stranger, bot, log, query):
    encoded = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in query.items())
    log.clear()
    for path in (f"/widget/{bot.public_key}/", f"/widget/{bot.public_key}/look", "/widget.js"):
        response = stranger.get(f"{path}?{encoded}", headers={"Accept-Language": "zz-ÿ;q=x"})
        assert response.status_code == 200
        assert_clean(response, log, json_api=False)


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch", "options"])
@pytest.mark.parametrize("path", ["open", "send", "typing", "page", "messages"])
def test_wrong_methods_are_refused_clearly(stranger, bot, log, method, path):
    if (method, path) == ("get", "messages"):
        return
    response = getattr(stranger, method)(f"/widget/{bot.public_key}/{path}")
    assert response.status_code == 405
    assert_clean(response, log)


@FUZZ
@given(origin=st.one_of(hostile.json_values, hostile.hostile_text))
@example(origin="")
@example(origin="HTTPS://SHOP.EXAMPLE/")
@example(origin="https://shop.example.evil.example")
@example(origin="https://shop.example\x00")
@example(origin="https://shop.example\ud800")
def test_open_from_any_origin_of_a_bot_with_allowed_sites(stranger, bot, log, origin):
    bot.allowed_origins = ["https://shop.example"]
    bot.save()
    cache.clear()
    log.clear()
    body = hostile.encode({"origin": origin})
    response = post(stranger, bot, "open", body)
    assert_clean(response, log)
    if len(body) > 64 * 1024:
        assert response.status_code == 413
        return
    # No origin (absent, null or ""): the chat page opened on its own, at our own address.
    allowed = origin in (None, "", "HTTPS://SHOP.EXAMPLE/", "https://shop.example")
    assert (response.status_code == 200) == allowed, (origin, response.json())
    if isinstance(origin, str) and not allowed:
        assert response.status_code == 403 and response.json()["error"] == "origin"
    elif not allowed:
        assert response.status_code == 400 and response.json()["error"] == "bad_request"


@FUZZ
@given(username=hostile.hostile_text, password=hostile.hostile_text)
def test_login_with_any_credentials(stranger, owner, log, username, password):
    cache.clear()
    body = "&".join(
        f"{name}={quote_from_bytes(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in (("username", username), ("password", password))
    )
    log.clear()
    response = stranger.post("/login/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302, 429)
    assert_clean(response, log, json_api=False)


def test_the_demo_and_login_pages_with_garbage_queries(stranger, db, log):
    for path in ("/demo/", "/login/"):
        for query in ("?next=%00", "?next=" + "a" * 10_000, "?%ff=%fe", "?next=javascript:x"):
            assert_clean(stranger.get(path + query), log, json_api=False)
