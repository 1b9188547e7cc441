"""Updating a row's fields from a mapping, and saying what changed (for the audit log)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models


def model_update(
    *, instance: models.Model, fields: Iterable[str], data: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Set the fields of `data` that differ, validate and save only those; return the changes as
    [{"field", "old", "new"}] in the order of `fields`. A key outside `fields` is a mistake."""
    fields = list(fields)
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(f"Not updatable here: {', '.join(sorted(unknown))}")
    changes = []
    for name in fields:
        if name not in data:
            continue
        old, new = getattr(instance, name), data[name]
        if old != new:
            setattr(instance, name, new)
            changes.append({"field": name, "old": old, "new": new})
    if changes:
        changed = {change["field"] for change in changes}
        others = [f.name for f in instance._meta.concrete_fields if f.name not in changed]
        instance.full_clean(exclude=others)
        instance.save(update_fields=changed)
    return changes
