"""Bytes on the wire: static files compressed by Accept-Encoding and cached by their hashed names,
and HTML pages never compressed (BREACH), over a real server."""

import gzip

import brotli
import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.templatetags.static import static
from django.test import Client

from tertulia.core.compression import ONE_YEAR, StaticFilesMiddleware, preferred_coding
from tests.wire import BROWSER_ENCODINGS, fetch

SOURCE = settings.PACKAGE_DIR / "static"


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.4", "gzip"),
        ("GZIP ; Q=1", "gzip"),
        ("*", "br"),
        ("*;q=0, gzip;q=0.1", "gzip"),
        ("gzip;q=0, br;q=0", ""),
        ("identity", ""),
        ("deflate, zstd", ""),
        ("gzip;q=nonsense", ""),
        ("", ""),
    ],
)
def test_the_coding_is_the_accepted_one_with_the_highest_weight(header, coding):
    assert preferred_coding(header, ("br", "gzip")) == coding


def test_a_server_started_without_collected_files_says_so(settings, tmp_path, caplog):
    StaticFilesMiddleware(lambda request: None)
    assert not caplog.records
    settings.STATIC_ROOT = tmp_path
    StaticFilesMiddleware(lambda request: None)
    assert "tertulia collectstatic --no-input" in caplog.records[0].getMessage()
    settings.DEBUG = True  # pages name the plain files, served from the package
    caplog.clear()
    StaticFilesMiddleware(lambda request: None)
    assert not caplog.records


def test_pages_name_static_files_by_hashed_names():
    url = static("widget/chat.js")
    assert url.startswith("/static/widget/chat.")
    assert url != "/static/widget/chat.js"


@pytest.mark.parametrize(
    ("accept", "coding", "decode"),
    [
        (BROWSER_ENCODINGS, "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        (None, "", bytes),
        ("identity", "", bytes),
    ],
)
@pytest.mark.parametrize("name", ["widget/chat.js", "tertulia/app.css"])
def test_static_files_are_compressed_when_the_client_accepts_it(
    asgi_server, name, accept, coding, decode
):
    answer = fetch(asgi_server.url + static(name), {"Accept-Encoding": accept} if accept else {})
    assert answer.status == 200
    assert answer.header("Content-Encoding") == coding
    assert "accept-encoding" in answer.vary
    assert decode(answer.body) == (SOURCE / name).read_bytes()
    if coding:
        assert len(answer.body) < len(decode(answer.body)) / 2


def test_hashed_static_files_are_cached_for_a_year(asgi_server):
    answer = fetch(asgi_server.url + static("widget/chat.css"), {"Accept-Encoding": "br"})
    assert answer.header("Cache-Control") == f"max-age={ONE_YEAR}, public, immutable"


def test_plain_names_are_still_served_compressed_for_a_minute(asgi_server):
    """Addresses written in code (the notification icon, the 500 page's style sheet, loader.css
    for a loader cached before a deployment) have no hash."""
    for name in ("widget/loader.css", "tertulia/app.css", "tertulia/favicon.svg"):
        answer = fetch(f"{asgi_server.url}/static/{name}", {"Accept-Encoding": "gzip"})
        assert answer.status == 200
        assert answer.header("Cache-Control") == "max-age=60, public"
        assert answer.header("Content-Encoding") == "gzip"
        assert gzip.decompress(answer.body) == (SOURCE / name).read_bytes()


def test_dashboard_pages_are_never_compressed(asgi_server, owner):
    """They carry a CSRF token next to text taken from the request (BREACH)."""
    login = fetch(f"{asgi_server.url}/login/?next=/x", {"Accept-Encoding": BROWSER_ENCODINGS})
    assert login.status == 200
    assert login.header("Content-Encoding") == ""
    assert b"csrfmiddlewaretoken" in login.body

    client = Client()
    client.force_login(owner.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = fetch(
        asgi_server.url + resolve_url(settings.LOGIN_REDIRECT_URL) + "?q=garcia",
        {
            "Accept-Encoding": BROWSER_ENCODINGS,
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
        },
    )
    assert page.status == 200
    assert page.header("Content-Encoding") == ""
    assert b"garcia" in page.body
