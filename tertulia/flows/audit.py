"""Audit entries about bots and flows, worded for the reader (registered in `accounts.audit`)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tertulia.accounts.audit import describe_changes, describes
from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.flows.models import Bot


@describes(AuditAction.BOT_CREATED)
def _bot_created(entry: AuditEntry, who: str) -> str:
    return _("%(who)s created the bot “%(bot)s”") % {"who": who, "bot": entry.detail.get("name")}


@describes(AuditAction.BOT_UPDATED)
def _bot_updated(entry: AuditEntry, who: str) -> str:
    return _("%(who)s changed the bot “%(bot)s”: %(changes)s") % {
        "who": who,
        "bot": entry.detail.get("name"),
        "changes": describe_changes(Bot, entry.detail.get("changes")),
    }


@describes(AuditAction.FLOW_SAVED, AuditAction.FLOW_IMPORTED)
def _flow_stored(entry: AuditEntry, who: str) -> str:
    after = entry.detail.get("steps_after", 0)
    values = {
        "who": who,
        "bot": entry.detail.get("name"),
        "before": entry.detail.get("steps_before", 0),
        "after": after,
    }
    if entry.action == AuditAction.FLOW_IMPORTED:
        return (
            ngettext(
                "%(who)s imported a flow into “%(bot)s” (%(before)s → %(after)s step)",
                "%(who)s imported a flow into “%(bot)s” (%(before)s → %(after)s steps)",
                after,
            )
            % values
        )
    return (
        ngettext(
            "%(who)s saved the flow of “%(bot)s” (%(before)s → %(after)s step)",
            "%(who)s saved the flow of “%(bot)s” (%(before)s → %(after)s steps)",
            after,
        )
        % values
    )
