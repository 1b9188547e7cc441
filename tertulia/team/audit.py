"""Audit entries about invitations and ownership, worded for the reader (registered in
`accounts.audit`)."""

from django.utils.translation import gettext as _

from tertulia.accounts.audit import describes, role_label
from tertulia.accounts.models import AuditAction, AuditEntry


@describes(AuditAction.INVITATION_SENT)
def _invitation_sent(entry: AuditEntry, who: str) -> str:
    words = {
        "who": who,
        "email": entry.detail.get("email", ""),
        "role": role_label(entry.detail.get("role")),
    }
    if entry.detail.get("again"):
        return _("%(who)s sent the invitation to %(email)s (%(role)s) again") % words
    return _("%(who)s invited %(email)s as %(role)s") % words


@describes(AuditAction.INVITATION_REVOKED)
def _invitation_revoked(entry: AuditEntry, who: str) -> str:
    return _("%(who)s revoked the invitation of %(email)s (%(role)s)") % {
        "who": who,
        "email": entry.detail.get("email", ""),
        "role": role_label(entry.detail.get("role")),
    }


@describes(AuditAction.INVITATION_ACCEPTED)
def _invitation_accepted(entry: AuditEntry, who: str) -> str:
    return _("%(member)s accepted the invitation and joined as %(role)s") % {
        "member": entry.detail.get("member", who),
        "role": role_label(entry.detail.get("role")),
    }


@describes(AuditAction.OWNERSHIP_HANDED_OVER)
def _ownership_handed_over(entry: AuditEntry, who: str) -> str:
    return _("%(who)s handed ownership over to %(member)s") % {
        "who": who,
        "member": entry.detail.get("member", ""),
    }
