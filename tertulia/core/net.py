"""Where a request comes from."""


def request_ip(request) -> str:
    """The client's IP address: the socket's peer."""
    return request.META.get("REMOTE_ADDR", "") or ""


def scope_ip(scope) -> str:
    """The same for a WebSocket connection's scope."""
    client = scope.get("client") or ("", 0)
    return client[0] or ""
