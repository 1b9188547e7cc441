"""API tokens: made and revoked by owners and admins (audited), found by their secret.

A secret reads `tta_` and 43 URL-safe characters (256 random bits). Only its SHA-256 is kept; the
page shows the secret once, when it is made.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.accounts.models import ApiScope, ApiToken, AuditAction, Member, User
from tertulia.accounts.services import audit

PREFIX = "tta_"
SHOWN = 8  # characters of the secret kept in the clear, after the prefix
# `last_used_at` is written at most this often per token: a busy integration does not write on
# every request.
USE_RECORDED_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, member: Member, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token acting as `member`; returns it and its secret (shown once, never again)."""
    if not member.can("api"):
        raise PermissionDenied(_("Only owners and admins make API tokens."))
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name."), code="required")
    if scope not in ApiScope.values:
        raise ValidationError(_("Choose read, or read and write."), code="invalid")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace_id=member.workspace_id,
        member=member,
        name=name,
        scope=scope,
        prefix=secret[: len(PREFIX) + SHOWN],
        secret_hash=_hash(secret),
    )
    audit(
        workspace_id=member.workspace_id,
        actor=member.user,
        action=AuditAction.API_TOKEN_CREATED,
        token=token.name,
        scope=scope,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """The token stops working at once (its next request gets 401)."""
    audit(
        workspace_id=token.workspace_id,
        actor=actor,
        action=AuditAction.API_TOKEN_REVOKED,
        token=token.name,
        scope=token.scope,
    )
    token.delete()


def api_token_for(secret: str) -> ApiToken | None:
    """The token whose secret this is, with its member, user and workspace; None otherwise."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    return (
        ApiToken.objects.select_related("member__user", "member__workspace")
        .filter(secret_hash=_hash(secret))
        .first()
    )


def api_token_used(token: ApiToken) -> None:
    """Remember when the token was last used (to the minute)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_tokens_of(*, member: Member) -> list[ApiToken]:
    """The workspace's tokens, newest first, with who made each."""
    return list(
        ApiToken.objects.filter(workspace_id=member.workspace_id)
        .select_related("member__user")
        .order_by("-id")
    )
