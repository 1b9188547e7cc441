"""Which address is the client's: the socket's peer, or a trusted proxy's header; never a header
the client wrote itself."""

import pytest
from django.test import RequestFactory

from tertulia.core.net import request_ip, scope_ip

PEER = "203.0.113.9"  # the proxy, or the client when there is none


def from_request(forwarded: str | None = None, peer: str = PEER) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return request_ip(RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers))


def from_scope(forwarded: str | None = None, peer: str = PEER) -> str:
    headers = [(b"host", b"example.com")]
    if forwarded is not None:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    return scope_ip({"type": "websocket", "client": (peer, 50000), "headers": headers})


@pytest.fixture(params=[from_request, from_scope], ids=["http", "websocket"])
def client_ip(request):
    return request.param


def test_without_a_proxy_setting_forwarded_headers_are_ignored(settings, client_ip):
    settings.PROXY_HEADER = ""
    assert client_ip("2.139.0.9") == PEER
    assert client_ip() == PEER


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "2.139.0.9", "2.139.0.9"),
        # A client that writes its own header cannot choose its address: the proxy appends.
        (1, "6.6.6.6, 2.139.0.9", "2.139.0.9"),
        (1, "6.6.6.6,2.139.0.9", "2.139.0.9"),
        (2, "6.6.6.6, 2.139.0.9, 10.0.0.2", "2.139.0.9"),
        (2, "2.139.0.9", PEER),  # fewer entries than trusted proxies
        (1, "", PEER),
        (1, "garbage", PEER),
        (1, "6.6.6.6, unknown", PEER),
        (1, "2.139.0.9:51234", "2.139.0.9"),
        (1, "[2a02:9130::5]:443", "2a02:9130::5"),
        (1, "2a02:9130::5", "2a02:9130::5"),
    ],
)
def test_a_trusted_proxy_header(settings, client_ip, hops, forwarded, expected):
    settings.PROXY_HEADER = "X-Forwarded-For"
    settings.PROXY_HOPS = hops
    assert client_ip(forwarded) == expected


def test_a_missing_header_behind_a_proxy_falls_back_to_the_peer(settings, client_ip):
    settings.PROXY_HEADER = "X-Forwarded-For"
    assert client_ip() == PEER


def test_several_header_lines_count_as_one_list(settings):
    settings.PROXY_HEADER = "X-Forwarded-For"
    scope = {
        "client": (PEER, 1),
        "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"2.139.0.9")],
    }
    assert scope_ip(scope) == "2.139.0.9"


def test_another_header_name(settings):
    settings.PROXY_HEADER = "X-Real-IP"
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PEER, headers={"X-Real-IP": "2.139.0.9", "X-Forwarded-For": "6.6.6.6"}
    )
    assert request_ip(request) == "2.139.0.9"


def test_the_demo_address_stands_in_for_loopback_and_private_ones(settings, client_ip):
    settings.PROXY_HEADER = ""
    settings.DEMO_IP = "2.139.0.1"
    assert client_ip(peer="127.0.0.1") == "2.139.0.1"
    assert client_ip(peer="10.0.0.5") == "2.139.0.1"
    assert client_ip(peer="81.2.69.170") == "81.2.69.170"
