"""The audit entry of a bulk action, worded for the reader (registered in `accounts.audit`)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tertulia.accounts.audit import describes
from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.visitors.choices import VisitorStatus


@describes(AuditAction.VISITORS_BULK)
def _visitors_bulk(entry: AuditEntry, who: str) -> str:
    count = entry.detail.get("count", 0)
    value = entry.detail.get("value") or ""
    match entry.detail.get("bulk"):
        case "status" if value in VisitorStatus.values:
            return ngettext(
                "%(who)s moved %(count)s visitor to %(status)s",
                "%(who)s moved %(count)s visitors to %(status)s",
                count,
            ) % {"who": who, "count": count, "status": VisitorStatus(value).label}
        case "assign":
            return ngettext(
                "%(who)s assigned %(count)s visitor at once",
                "%(who)s assigned %(count)s visitors at once",
                count,
            ) % {"who": who, "count": count}
        case "delete":
            return ngettext(
                "%(who)s deleted %(count)s visitor at once",
                "%(who)s deleted %(count)s visitors at once",
                count,
            ) % {"who": who, "count": count}
    return _("%(who)s changed visitors at once") % {"who": who}
