"""/widget.js and the widget's JSON, compressed, over a real server; /widget.js revalidated."""

import gzip
import json

import brotli
import pytest
from django.conf import settings
from django.templatetags.static import static

from tertulia.core.compression import ONE_YEAR
from tests.wire import BROWSER_ENCODINGS, fetch

LOADER = settings.PACKAGE_DIR / "static" / "widget" / "loader.js"


def loader_as_served() -> bytes:
    """loader.js naming loader.css by its hashed name."""
    source = LOADER.read_bytes()
    assert source.count(b'"/static/widget/loader.css"') == 1
    return source.replace(
        b'"/static/widget/loader.css"', f'"{static("widget/loader.css")}"'.encode()
    )


@pytest.mark.parametrize(
    ("accept", "coding", "decode"),
    [
        (BROWSER_ENCODINGS, "br", brotli.decompress),
        ("gzip;q=1, br;q=0", "gzip", gzip.decompress),
        (None, "", bytes),
        ("identity", "", bytes),
    ],
)
def test_widget_js_is_compressed_and_cached_for_five_minutes(asgi_server, accept, coding, decode):
    answer = fetch(f"{asgi_server.url}/widget.js", {"Accept-Encoding": accept} if accept else {})
    assert answer.status == 200
    assert answer.header("Content-Type") == "text/javascript; charset=utf-8"
    assert answer.header("Content-Encoding") == coding
    assert "accept-encoding" in answer.vary
    assert set(answer.header("Cache-Control").split(", ")) == {"public", "max-age=300"}
    assert decode(answer.body) == loader_as_served()
    assert int(answer.header("Content-Length")) == len(answer.body)
    if coding:
        assert len(answer.body) < len(decode(answer.body)) / 2


def test_widget_js_loads_its_style_sheet_by_hashed_name(asgi_server):
    css = static("widget/loader.css")
    assert css != "/static/widget/loader.css"
    assert f'"{css}"'.encode() in loader_as_served()
    answer = fetch(asgi_server.url + css, {"Accept-Encoding": BROWSER_ENCODINGS})
    assert answer.status == 200
    assert answer.header("Content-Encoding") == "br"
    assert answer.header("Cache-Control") == f"max-age={ONE_YEAR}, public, immutable"


def test_widget_js_is_revalidated_with_304(asgi_server):
    url = f"{asgi_server.url}/widget.js"
    first = fetch(url, {"Accept-Encoding": BROWSER_ENCODINGS})
    etag, modified = first.header("ETag"), first.header("Last-Modified")
    assert etag.startswith('W/"')
    assert modified
    # The same validator for every coding: they are the same script.
    assert fetch(url, {"Accept-Encoding": "gzip"}).header("ETag") == etag

    for validator in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = fetch(url, {"Accept-Encoding": BROWSER_ENCODINGS, **validator})
        assert again.status == 304
        assert again.body == b""
        assert again.header("ETag") == etag
        assert "accept-encoding" in again.vary
        assert "max-age=300" in again.header("Cache-Control")

    changed = fetch(url, {"Accept-Encoding": "gzip", "If-None-Match": 'W/"an-older-script"'})
    assert changed.status == 200
    assert gzip.decompress(changed.body) == loader_as_served()


def test_widget_json_is_gzipped(asgi_server, bot):
    url = f"{asgi_server.url}/widget/{bot.public_key}"
    request = json.dumps({"page": {"url": "https://shop.example/"}}).encode()
    headers = {"Content-Type": "application/json", "Accept-Encoding": BROWSER_ENCODINGS}
    opened = fetch(f"{url}/open", headers, method="POST", body=request)
    assert opened.status == 200
    assert opened.header("Content-Encoding") == "gzip"
    assert "accept-encoding" in opened.vary
    token = json.loads(gzip.decompress(opened.body))["token"]

    messages = fetch(f"{url}/messages?after=0", {**headers, "X-Tertulia-Token": token})
    assert messages.header("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(messages.body))["messages"]

    plain = fetch(f"{url}/messages?after=0", {"X-Tertulia-Token": token})
    assert plain.header("Content-Encoding") == ""
    assert json.loads(plain.body)["messages"]
