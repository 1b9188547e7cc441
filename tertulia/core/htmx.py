"""htmx helpers: one view, two renderings."""

from django.http import HttpRequest


def wants_fragment(request: HttpRequest, target: str) -> bool:
    """True when htmx asks for the element `target` alone (not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target
