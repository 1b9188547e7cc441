"""Who is asking: a workspace API token in `Authorization: Bearer tta_…`, limited per token.

The request then acts as the member who made the token, with that member's role now; a read
token reads only."""

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from tertulia.accounts.models import ApiToken
from tertulia.accounts.tokens import api_token_for, api_token_used
from tertulia.api.errors import ApiError
from tertulia.core import ratelimit


class TokenAuth(HttpBearer):
    """The bearer token of a workspace; 401 for anything else, 429 past the token's rate."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        _each_parameter_once(request)
        found = api_token_for(token)
        if found is None:
            return None
        wait = ratelimit.hit("api_per_token", str(found.pk))
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                _("Too many requests with this token; try again in %(seconds)s s.")
                % {"seconds": wait},
                headers={"Retry-After": str(wait)},
            )
        api_token_used(found)
        request.member = found.member
        return found


def _each_parameter_once(request) -> None:
    """Every operation takes each query parameter once: `?status=new&status=lead` is refused
    rather than read as one of them."""
    repeated = sorted(name for name, values in request.GET.lists() if len(values) > 1)
    if repeated:
        said = _("Give each parameter once: %(names)s.") % {"names": ", ".join(repeated)}
        raise ApiError(422, "invalid", said, fields={name: [said] for name in repeated})


def may(request, ability: str) -> None:
    """403 unless the token's member may do `ability` (a key of `ROLE_CAN`)."""
    if not request.member.can(ability):
        raise ApiError(
            403, "forbidden", _("The member who made this token may not do this (their role).")
        )


def may_write(request, ability: str = "visitors") -> None:
    """403 for a read token, or when the token's member may not do `ability`."""
    if not request.auth.may_write:
        raise ApiError(403, "read_only_token", _("This token may only read."))
    may(request, ability)
