"""Links that act for a user once: "Forgot your password?" and "confirm your new e-mail address".

A link's token is signed (django.core.signing, one salt per purpose), carries the time it was made,
and holds a digest of the user's state when it was made: password hash, e-mail and last login.
Using a link changes that state (a new password, a new address, a login), so the same link, or
any older one, no longer matches: single use without a table of used tokens.

Where links point (`public_url`): TERTULIA_URL when it is set, else the address the request came
to, so `PORT=8200 make run` sends links to 8200.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from tertulia.accounts.models import User

PASSWORD_RESET = "password-reset"  # noqa: S105 (a purpose, salting the signature)
EMAIL_CHANGE = "email-change"
EMAIL_CHANGE_MAX_AGE = 24 * 60 * 60
# Where links point when neither TERTULIA_URL nor a request says: `tertulia serve`'s default.
FALLBACK_URL = "http://127.0.0.1:8000"


class LinkRefused(Exception):
    """A link that does not act: `reason` is "expired", "used" or "invalid"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    user: User
    extra: str


def max_age(purpose: str) -> int:
    """Seconds a link of this purpose works."""
    if purpose == PASSWORD_RESET:
        return int(settings.PASSWORD_RESET_TIMEOUT)
    return EMAIL_CHANGE_MAX_AGE


def _state(purpose: str, user: User, extra: str) -> str:
    last_login = user.last_login.replace(microsecond=0, tzinfo=None) if user.last_login else ""
    value = f"{user.pk}|{user.password}|{user.email}|{last_login}|{extra}"
    return salted_hmac(f"tertulia.accounts.links.{purpose}", value, algorithm="sha256").hexdigest()[
        :32
    ]


def token_make(*, purpose: str, user: User, extra: str = "") -> str:
    """A signed token that acts once for `user` (and `extra`, e.g. the new address)."""
    payload = {"u": user.pk, "x": extra, "s": _state(purpose, user, extra)}
    return signing.dumps(payload, salt=f"tertulia.accounts.{purpose}", compress=True)


def token_read(*, purpose: str, token: str) -> Link:
    """The user and extra a token was made for; raises LinkRefused when it no longer acts."""
    try:
        payload = signing.loads(
            token, salt=f"tertulia.accounts.{purpose}", max_age=max_age(purpose)
        )
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except (signing.BadSignature, ValueError):
        raise LinkRefused("invalid") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise LinkRefused("invalid")
    user = User.objects.filter(pk=payload["u"], is_active=True).first()
    extra = payload.get("x") if isinstance(payload.get("x"), str) else ""
    if user is None:
        raise LinkRefused("invalid")
    if not constant_time_compare(_state(purpose, user, extra), str(payload.get("s", ""))):
        raise LinkRefused("used")
    return Link(user=user, extra=extra)


def public_url(path: str, request=None) -> str:
    """`path` as an absolute address: under TERTULIA_URL when set, else where `request` came."""
    if settings.TERTULIA_URL:
        return settings.TERTULIA_URL.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return FALLBACK_URL + path
