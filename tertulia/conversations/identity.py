"""Known visitors: the site tells the widget who the person is (`Tertulia("identify", {...})`)
and what they are doing (`Tertulia("setParams", {...})`).

With identity verification on (the workspace has a secret), `identify` counts only with
`userHash` = HMAC-SHA256(userId, secret) in hex, computed by the site's backend: anything else is
refused as a whole and the visitor stays anonymous. A verified user ID is one person: every
browser where they identify continues the same visitor (`widget.services.widget_open`).
Without verification, `identify` fills the visitor's details as a form would, unverified.

What is wrong in a value (an e-mail address that is not one, too many attributes) is dropped
and named in `problems`, which the widget passes on to the site's console: the rest is kept.
"""

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.accounts.models import AuditAction, User, Workspace
from tertulia.accounts.services import audit
from tertulia.conversations.contact import CONTACT_FIELDS, attributes_merged, contact_cleaned
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.models import Visitor

USER_ID_MAX = Visitor._meta.get_field("external_id").max_length
USER_ID = "userId"
USER_HASH = "userHash"
NOT_CUSTOM = {USER_ID, USER_HASH, *CONTACT_FIELDS}


class IdentityStatus(StrEnum):
    """What the widget knows of who the visitor is (`getState().identity`)."""

    ANONYMOUS = "anonymous"
    IDENTIFIED = "identified"  # told by the page, not verified
    VERIFIED = "verified"  # told by the page and signed by the site's backend
    REFUSED = "refused"  # verification is on and the hash was missing or wrong


def new_identity_secret() -> str:
    return secrets.token_hex(32)


def user_hash(secret: str, user_id: str) -> str:
    """What the site's backend computes for `userHash`: HMAC-SHA256 of the user ID, in hex."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Identity:
    """One `identify` call, read and checked; nothing of it is stored yet."""

    status: IdentityStatus
    user_id: str = ""
    details: dict[str, Any] = field(default_factory=dict)  # name, e-mail, phone as given
    custom: dict[str, Any] = field(default_factory=dict)  # the other keys: custom attributes
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return self.status == IdentityStatus.VERIFIED


def identity_read(raw: object, *, secret: str) -> Identity:
    """`identify`'s object checked against the workspace's secret ("" = verification off)."""
    if not isinstance(raw, Mapping):
        return Identity(IdentityStatus.REFUSED, problems={"identity": _("Give an object.")})
    user_id = raw.get(USER_ID)
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    user_id = user_id.strip() if isinstance(user_id, str) else ""
    if len(user_id) > USER_ID_MAX:
        return Identity(
            IdentityStatus.REFUSED,
            problems={USER_ID: _("Keep it under %(max)s characters.") % {"max": USER_ID_MAX}},
        )
    if secret:
        given = raw.get(USER_HASH)
        if not user_id or not isinstance(given, str):
            return Identity(
                IdentityStatus.REFUSED,
                problems={USER_HASH: _("Identity verification is on: give userId and userHash.")},
            )
        if not hmac.compare_digest(given.strip().lower(), user_hash(secret, user_id)):
            return Identity(
                IdentityStatus.REFUSED,
                problems={
                    USER_HASH: _("userHash does not match userId: the visitor stays anonymous.")
                },
            )
    details = {name: raw[name] for name in CONTACT_FIELDS if raw.get(name) not in (None, "")}
    custom = {key: value for key, value in raw.items() if key not in NOT_CUSTOM}
    if not (user_id or details or custom):
        return Identity(IdentityStatus.ANONYMOUS)
    status = IdentityStatus.VERIFIED if secret else IdentityStatus.IDENTIFIED
    return Identity(status, user_id=user_id, details=details, custom=custom)


def identity_status(visitor: Visitor) -> IdentityStatus:
    if visitor.identity_verified_at is not None:
        return IdentityStatus.VERIFIED
    return IdentityStatus.IDENTIFIED if visitor.external_id else IdentityStatus.ANONYMOUS


def identity_apply(*, visitor: Visitor, identity: Identity) -> dict[str, str]:
    """Fill the visitor (locked by the caller) from a read `identify`; returns the problems.

    Given details replace the visitor's, absent ones are left alone; custom keys are merged into
    the custom attributes. An anonymised visitor stays so. Dashboards hear of it, and a new or
    changed user ID is the webhook event `visitor.identified`."""
    problems = dict(identity.problems)
    if identity.status in (IdentityStatus.ANONYMOUS, IdentityStatus.REFUSED):
        return problems
    if visitor.anonymised_at is not None:
        return {
            **problems,
            "identity": _("This visitor was anonymised; their details stay removed."),
        }
    new: dict[str, Any] = {}
    for name, value in identity.details.items():
        try:
            new[name] = contact_cleaned(name, value, region=visitor.country) or None
        except ValidationError as error:
            problems[name] = error.message_dict[name][0]
    if identity.custom:
        merged = _attributes(visitor, identity.custom, problems, "attributes")
        if merged is not None:
            new["attributes"] = merged
    if identity.user_id:
        new["external_id"] = identity.user_id
    if identity.verified and not visitor.identity_verified_at:
        new["identity_verified_at"] = timezone.now()
    identified = "external_id" in new and new["external_id"] != visitor.external_id
    _save(visitor, new)
    if identified or "identity_verified_at" in new:
        publish_on_commit(
            workspace_id=visitor.workspace_id,
            event=events.VISITOR_IDENTIFIED,
            data={
                "visitor": visitor.pk,
                "user_id": visitor.external_id,
                "verified": visitor.identity_verified,
            },
        )
    return problems


def params_apply(*, visitor: Visitor, params: object) -> dict[str, str]:
    """`setParams`: the page's context (order id, plan, campaign...) merged into the visitor's
    custom attributes, which the Info tab, exports, the API and webhooks show. Returns the
    problems; nothing is kept when the object is wrong."""
    problems: dict[str, str] = {}
    merged = _attributes(visitor, params, problems, "params")
    if merged is not None and visitor.anonymised_at is None:
        _save(visitor, {"attributes": merged})
    return problems


def _attributes(visitor: Visitor, changes: object, problems: dict, name: str) -> dict | None:
    try:
        return attributes_merged(visitor.attributes or {}, changes)
    except ValidationError as error:
        problems[name] = " ".join(error.message_dict["attributes"])
        return None


def _save(visitor: Visitor, new: dict[str, Any]) -> None:
    changed = [name for name, value in new.items() if getattr(visitor, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(visitor, name, new[name])
    visitor.save(update_fields=changed)
    publish_on_commit(
        workspace_id=visitor.workspace_id,
        event=events.VISITOR_UPDATED,
        data={"visitor": visitor.pk},
    )


def identity_verification_set(*, workspace: Workspace, on: bool, actor: User | None) -> str:
    """Turn identity verification on with a new secret (also to replace a leaked one: the old
    one stops at once), or off. Returns the secret ("" when off); audited without it."""
    rotated = bool(on and workspace.identity_secret)
    workspace.identity_secret = new_identity_secret() if on else ""
    workspace.save(update_fields=["identity_secret"])
    audit(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.IDENTITY_VERIFICATION_CHANGED,
        on=on,
        rotated=rotated,
    )
    return workspace.identity_secret
