"""IP addresses: where a request comes from (the one place that reads the client's address).

Without `settings.PROXY_HEADER` the client is the socket's peer and forwarded headers are ignored
(anyone can send them). With it, the client is the entry `settings.PROXY_HOPS` from the right of
that header: each trusted proxy appends the address it saw, so entries further left were written
by the client and are never trusted. `settings.DEMO_IP` stands in for loopback and private
addresses, to see locations on a development machine.
"""

import ipaddress

from django.conf import settings


def parse_ip(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, with an IPv4 address written as IPv6 ("::ffff:1.2.3.4") as IPv4."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def is_public(ip: str) -> bool:
    """Whether the address is on the public internet (not loopback, private, link-local...)."""
    address = parse_ip(ip)
    return address is not None and address.is_global and not address.is_multicast


def request_ip(request) -> str:
    """The client's IP address for an HTTP request."""
    forwarded = request.headers.get(settings.PROXY_HEADER) if settings.PROXY_HEADER else None
    return _client(request.META.get("REMOTE_ADDR") or "", forwarded)


def scope_ip(scope) -> str:
    """The same for a WebSocket connection's scope."""
    peer = (scope.get("client") or ("", 0))[0] or ""
    forwarded = None
    if settings.PROXY_HEADER:
        name = settings.PROXY_HEADER.lower().encode()
        values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name]
        forwarded = ",".join(values) if values else None
    return _client(peer, forwarded)


def _client(peer: str, forwarded: str | None) -> str:
    """The entry `PROXY_HOPS` from the right of `forwarded` if valid, else the peer."""
    address = peer or ""
    if forwarded is not None:
        entries = [entry.strip() for entry in forwarded.split(",")]
        hops = max(settings.PROXY_HOPS, 1)
        if len(entries) >= hops:
            address = _address(entries[-hops]) or address
    if settings.DEMO_IP and not is_public(address):
        return settings.DEMO_IP
    return address


def _address(entry: str) -> str:
    """An IP address from a header entry, without a port ("1.2.3.4:80", "[2001:db8::1]:443")."""
    if entry.startswith("["):
        entry = entry[1:].split("]", 1)[0]
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return ""
