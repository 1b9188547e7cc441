"""Audit entries about conversations, worded for the reader (registered in `accounts.audit`).
They name visitors by number only."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from tertulia.accounts.audit import describes
from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.visitors.models import UNNAMED, Visitor


@describes(AuditAction.VISITOR_ASSIGNED)
def _visitor_assigned(entry: AuditEntry, who: str) -> str:
    visitor = UNNAMED % {"number": entry.detail.get("number", "?")}
    member = entry.detail.get("member")
    if member:
        return _("%(who)s assigned %(visitor)s to %(member)s") % {
            "who": who,
            "visitor": visitor,
            "member": member,
        }
    return _("%(who)s unassigned %(visitor)s") % {"who": who, "visitor": visitor}


@describes(AuditAction.VISITOR_UPDATED)
def _visitor_updated(entry: AuditEntry, who: str) -> str:
    fields = entry.detail.get("fields")
    return _("%(who)s changed %(visitor)s: %(fields)s") % {
        "who": who,
        "visitor": UNNAMED % {"number": entry.detail.get("number", "?")},
        "fields": ", ".join(_field_label(name) for name in fields)
        if isinstance(fields, list)
        else "",
    }


@describes(AuditAction.VISITORS_MERGED)
def _visitors_merged(entry: AuditEntry, who: str) -> str:
    return _("%(who)s merged %(merged)s into %(visitor)s") % {
        "who": who,
        "merged": UNNAMED % {"number": entry.detail.get("merged", "?")},
        "visitor": UNNAMED % {"number": entry.detail.get("number", "?")},
    }


def _field_label(name: object) -> str:
    if name == "attributes":
        return _("custom attributes")
    try:
        return str(Visitor._meta.get_field(str(name)).verbose_name)
    except FieldDoesNotExist:
        return str(name)
