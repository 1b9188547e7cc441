"""Per-request member context: the workspace, language and time zone of whoever is logged in."""

import zoneinfo

from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from tertulia.accounts.selectors import chosen_workspace, member_chosen, memberships_of


class MemberPreferencesMiddleware:
    """Attach `request.member` (and `request.memberships`, all of the user's, for the top bar's
    workspace switcher: one query gives both) and honour the member's language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.memberships = SimpleLazyObject(lambda: memberships_of(user=user))
        request.member = SimpleLazyObject(
            lambda: member_chosen(
                request.memberships, chosen_workspace(getattr(request, "session", None))
            )
        )
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
