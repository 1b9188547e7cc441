"""The audit log in words. An entry is stored as an action plus its detail and worded when it is
read, in the reader's language (the active one: nothing is activated here).

Actions of the apps above accounts (bots and flows, visitors' data) are worded by those apps,
which register their describers here with `@describes(...)` when they load.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from tertulia.accounts.models import ApiScope, AuditAction, AuditEntry, Role, Workspace

# (entry, who did it, already worded) -> the sentence.
Describer = Callable[[AuditEntry, str], str]

_describers: dict[str, Describer] = {}


def describes(*actions: AuditAction) -> Callable[[Describer], Describer]:
    """Register the function that words entries of these actions."""

    def register(describer: Describer) -> Describer:
        for action in actions:
            _describers[action] = describer
        return describer

    return register


def describe(entry: AuditEntry) -> str:
    """One sentence about the entry in the active language, e.g. "Olga changed the workspace
    settings: visitors' IP addresses from “…” to “…”"."""
    who = actor_name(entry)
    describer = _describers.get(entry.action)
    if describer is None:
        return _("%(who)s: %(action)s") % {"who": who, "action": entry.get_action_display()}
    return describer(entry, who)


def actor_name(entry: AuditEntry) -> str:
    if entry.actor_id is None:
        return _("A command on the server")
    return str(entry.actor)


def describe_changes(model: type[models.Model], changes: Any) -> str:
    """The changes of a `core.updates.model_update`, worded with the model's field names and
    choice labels: "visitors' IP addresses from “…” to “…”; name from “…” to “…”"."""
    if not isinstance(changes, list):
        return ""
    return "; ".join(
        _("%(setting)s from “%(old)s” to “%(new)s”")
        % {
            "setting": _field_label(model, change.get("field")),
            "old": _field_value(model, change.get("field"), change.get("old")),
            "new": _field_value(model, change.get("field"), change.get("new")),
        }
        for change in changes
        if isinstance(change, dict)
    )


def _field(model: type[models.Model], name: Any) -> models.Field | None:
    try:
        return model._meta.get_field(str(name))
    except FieldDoesNotExist:
        return None


def _field_label(model: type[models.Model], name: Any) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else str(name)


def _field_value(model: type[models.Model], name: Any, value: Any) -> str:
    field = _field(model, name)
    if field is not None and field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        if str(value) in labels and value is not None:
            return str(labels[str(value)])
    if value is None or value == "" or value == []:
        return _("(empty)")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def role_label(value: Any) -> str:
    return str(Role(value).label) if value in Role.values else str(value)


@describes(AuditAction.WORKSPACE_CREATED)
def _workspace_created(entry: AuditEntry, who: str) -> str:
    return _("%(who)s created the workspace “%(name)s”") % {
        "who": who,
        "name": entry.detail.get("name", ""),
    }


@describes(AuditAction.WORKSPACE_UPDATED)
def _workspace_updated(entry: AuditEntry, who: str) -> str:
    return _("%(who)s changed the workspace settings: %(changes)s") % {
        "who": who,
        "changes": describe_changes(Workspace, entry.detail.get("changes")),
    }


@describes(AuditAction.IDENTITY_VERIFICATION_CHANGED)
def _identity_verification(entry: AuditEntry, who: str) -> str:
    if not entry.detail.get("on"):
        return _("%(who)s turned identity verification off") % {"who": who}
    if entry.detail.get("rotated"):
        return _("%(who)s replaced the identity verification secret") % {"who": who}
    return _("%(who)s turned identity verification on") % {"who": who}


@describes(AuditAction.MEMBER_ADDED)
def _member_added(entry: AuditEntry, who: str) -> str:
    return _("%(who)s added %(member)s as %(role)s") % {
        "who": who,
        "member": entry.detail.get("member", ""),
        "role": role_label(entry.detail.get("role")),
    }


@describes(AuditAction.MEMBER_ROLE_CHANGED)
def _member_role_changed(entry: AuditEntry, who: str) -> str:
    return _("%(who)s changed the role of %(member)s from %(old)s to %(new)s") % {
        "who": who,
        "member": entry.detail.get("member", ""),
        "old": role_label(entry.detail.get("old")),
        "new": role_label(entry.detail.get("new")),
    }


@describes(AuditAction.MEMBER_REMOVED)
def _member_removed(entry: AuditEntry, who: str) -> str:
    return _("%(who)s removed %(member)s (%(role)s)") % {
        "who": who,
        "member": entry.detail.get("member", ""),
        "role": role_label(entry.detail.get("role")),
    }


def _scope_label(value: Any) -> str:
    return str(ApiScope(value).label) if value in ApiScope.values else str(value)


@describes(AuditAction.API_TOKEN_CREATED, AuditAction.API_TOKEN_REVOKED)
def _api_token(entry: AuditEntry, who: str) -> str:
    if entry.action == AuditAction.API_TOKEN_CREATED:
        sentence = _("%(who)s made the API token “%(token)s” (%(scope)s)")
    else:
        sentence = _("%(who)s revoked the API token “%(token)s” (%(scope)s)")
    return sentence % {
        "who": who,
        "token": entry.detail.get("token", ""),
        "scope": _scope_label(entry.detail.get("scope")),
    }
