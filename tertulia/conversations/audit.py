"""Audit entries about conversations, worded for the reader (registered in `accounts.audit`).
They name visitors by number only."""

from django.utils.translation import gettext as _

from tertulia.accounts.audit import describes
from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.visitors.models import UNNAMED


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
