"""Which text is a web address. Plain Python (the flow engine uses it too, without Django)."""

from urllib.parse import urlsplit


def is_web_url(url: object) -> bool:
    """An http or https address with a host: a webhook target, or a page worth linking to."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 bracket)
        return False


def is_site_origin(text: str) -> bool:
    """A site as an embed may name it: scheme, host and optional port, nothing after."""
    if not is_web_url(text):
        return False
    parts = urlsplit(text)
    return not (parts.path or parts.query or parts.fragment)
