"""How much of a visitor's IP address is kept, under the workspace's policy."""

import ipaddress

from tertulia.accounts.models import IpStorage
from tertulia.core.net import parse_ip


def stored_ip(ip: str, policy: str) -> str | None:
    """What is kept of `ip` under the workspace's policy; truncation zeroes the last IPv4 octet
    or the last 80 bits of an IPv6 address (an IPv4 address written as IPv6 counts as IPv4)."""
    address = parse_ip(ip)
    if address is None or policy == IpStorage.NONE:
        return None
    if policy == IpStorage.FULL:
        return str(address)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
