"""Presence: which members can answer now.

A member is online while a dashboard of the workspace is open and they have not set themselves
"Away". Every open dashboard socket renews `Member.online_until` every `BEAT_SECONDS`; a closed
tab simply stops renewing, so the member is offline at most `ONLINE_SECONDS` later, whatever
process served the socket (the database is the one place all processes share).
"""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from tertulia.accounts.models import Member
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit

BEAT_SECONDS = 30
ONLINE_SECONDS = 90


def presence_beat(*, member_id: int) -> None:
    """A dashboard of this member is open: they count as online for a while longer."""
    until = timezone.now() + timedelta(seconds=ONLINE_SECONDS)
    Member.objects.filter(pk=member_id).update(online_until=until)


def presence_set_away(*, member: Member, away: bool) -> None:
    """The member's Online / Away switch; every dashboard of the workspace hears it."""
    Member.objects.filter(pk=member.pk).update(away=away)
    member.away = away
    publish_on_commit(
        workspace_id=member.workspace_id,
        event=events.MEMBER_PRESENCE,
        data={"member": member.pk, "away": away},
    )


def members_online(*, workspace_id: int) -> QuerySet[Member]:
    """The workspace's members who can answer now (`Member.is_online`, as a query)."""
    return Member.objects.filter(
        workspace_id=workspace_id, away=False, online_until__gt=timezone.now()
    )
