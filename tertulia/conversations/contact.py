"""Changing what is known of a visitor by hand: name, e-mail, phone and custom attributes (from
the API; the same checks as the chat's forms)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tertulia.accounts.models import AuditAction, User
from tertulia.accounts.services import audit
from tertulia.core.limits import FORM_FIELD_MAX
from tertulia.flows.submissions import EMAIL_INVALID, PHONE_INVALID, email_cleaned, phone_cleaned
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.models import Visitor

CONTACT_FIELDS = ("name", "email", "phone")
NAME_MAX = Visitor._meta.get_field("name").max_length
ATTRIBUTES_MAX = 50  # custom attributes per visitor
ATTRIBUTE_NAME_MAX = 64


def contact_cleaned(name: str, value: Any, *, region: str) -> str:
    """A name as given, an e-mail address normalised, a phone in E.164 ("" removes it);
    ValidationError by field when it is none of these."""
    if not isinstance(value, str):
        raise ValidationError({name: _("Give a text, or an empty one to remove it.")})
    value = value.strip()
    if not value:
        return ""
    if name == "name":
        if len(value) > NAME_MAX:
            raise ValidationError(
                {name: _("Keep it under %(max)s characters.") % {"max": NAME_MAX}}
            )
        return value
    cleaned = email_cleaned(value) if name == "email" else phone_cleaned(value, region=region)
    if cleaned is None:
        raise ValidationError({name: str(EMAIL_INVALID if name == "email" else PHONE_INVALID)})
    return cleaned


def attributes_merged(current: Mapping[str, Any], changes: Any) -> dict[str, Any]:
    """The custom attributes after `changes` (a name -> text, number or yes/no; None removes)."""
    if not isinstance(changes, Mapping):
        raise ValidationError({"attributes": _("Give the attributes as an object.")})
    merged = dict(current)
    for key, value in changes.items():
        if not isinstance(key, str) or not key.strip() or len(key) > ATTRIBUTE_NAME_MAX:
            raise ValidationError(
                {
                    "attributes": _("Name each attribute in up to %(max)s characters.")
                    % {"max": ATTRIBUTE_NAME_MAX}
                }
            )
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, bool | int | float) or (
            isinstance(value, str) and len(value) <= FORM_FIELD_MAX
        ):
            merged[key] = value
        else:
            raise ValidationError(
                {
                    "attributes": _(
                        "“%(name)s”: give a text of up to %(max)s characters, a number "
                        "or true / false."
                    )
                    % {"name": key[:ATTRIBUTE_NAME_MAX], "max": FORM_FIELD_MAX}
                }
            )
    if len(merged) > ATTRIBUTES_MAX:
        raise ValidationError(
            {"attributes": _("A visitor has at most %(max)s attributes.") % {"max": ATTRIBUTES_MAX}}
        )
    return merged


@transaction.atomic
def visitor_update_contact(
    *, visitor: Visitor, actor: User | None, data: Mapping[str, Any]
) -> list[str]:
    """Change the visitor's name, e-mail, phone (E.164; read as a number of the visitor's
    country without a country code) and custom attributes, from the keys `data` has.

    Raises ValidationError (by field) and changes nothing when a value is wrong. Returns the
    fields that changed; the audit entry names them (never their values) and the dashboards
    refresh. An anonymised visitor's details cannot be filled again."""
    locked = Visitor.objects.select_for_update().get(pk=visitor.pk)
    if locked.anonymised_at is not None:
        raise ValidationError(_("This visitor was anonymised; their details stay removed."))
    new: dict[str, Any] = {}
    for name in CONTACT_FIELDS:
        if name in data:
            new[name] = contact_cleaned(name, data[name], region=locked.country)
    if "name" in new:
        new["name"] = new["name"] or None
    if "attributes" in data:
        new["attributes"] = attributes_merged(locked.attributes or {}, data["attributes"])
    changed = [name for name, value in new.items() if getattr(locked, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(locked, name, new[name])
        setattr(visitor, name, new[name])
    locked.save(update_fields=changed)
    visitor.refresh_search_fields()
    audit(
        workspace_id=locked.workspace_id,
        actor=actor,
        action=AuditAction.VISITOR_UPDATED,
        number=locked.number,
        fields=changed,
    )
    publish_on_commit(
        workspace_id=locked.workspace_id,
        event=events.VISITOR_UPDATED,
        data={"visitor": locked.pk},
    )
    return changed
