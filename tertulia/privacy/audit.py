"""Audit entries about visitors' data, worded for the reader (registered in `accounts.audit`).
They name visitors by number only: the entries hold no personal data."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tertulia.accounts.audit import describes
from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.models import UNNAMED


def _visitor(entry: AuditEntry) -> str:
    return UNNAMED % {"number": entry.detail.get("number", "?")}


@describes(AuditAction.VISITOR_DELETED)
def _visitor_deleted(entry: AuditEntry, who: str) -> str:
    status = entry.detail.get("status")
    if status in VisitorStatus.values:
        return _("%(who)s deleted %(visitor)s (%(status)s)") % {
            "who": who,
            "visitor": _visitor(entry),
            "status": VisitorStatus(status).label,
        }
    return _("%(who)s deleted %(visitor)s") % {"who": who, "visitor": _visitor(entry)}


@describes(AuditAction.VISITOR_ANONYMISED)
def _visitor_anonymised(entry: AuditEntry, who: str) -> str:
    return _("%(who)s anonymised %(visitor)s") % {"who": who, "visitor": _visitor(entry)}


@describes(AuditAction.VISITORS_EXPIRED)
def _visitors_expired(entry: AuditEntry, who: str) -> str:
    count = entry.detail.get("count", 0)
    return ngettext(
        "The retention setting deleted %(count)s visitor archived for more than %(days)s days",
        "The retention setting deleted %(count)s visitors archived for more than %(days)s days",
        count,
    ) % {"count": count, "days": entry.detail.get("days", "?")}
