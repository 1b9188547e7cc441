"""Presence: which members can answer now.

A member is online while a dashboard of the workspace is open and they have not set themselves
"Away". Every open dashboard socket renews `Member.online_until` every `BEAT_SECONDS`; a closed
tab simply stops renewing, so the member is offline at most `ONLINE_SECONDS` later, whatever
process served the socket (the database is the one place all processes share).
"""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from tertulia.accounts.models import Member
from tertulia.core.cache import Remembered
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit

BEAT_SECONDS = 30
ONLINE_SECONDS = 90
# How long `anyone_online` remembers its answer (the chat asks after every message): in the
# shared cache, and in each process for a second more.
ANYONE_ONLINE_SECONDS = 2
_online = Remembered(seconds=1.0)


def presence_beat(*, member_id: int) -> None:
    """A dashboard of this member is open: they count as online for a while longer."""
    until = timezone.now() + timedelta(seconds=ONLINE_SECONDS)
    Member.objects.filter(pk=member_id).update(online_until=until)
    workspace_id = Member.objects.filter(pk=member_id).values_list("workspace_id", flat=True)
    _online.forget(_anyone_online_key(workspace_id.first()))


def presence_set_away(*, member: Member, away: bool) -> None:
    """The member's Online / Away switch; every dashboard of the workspace hears it."""
    Member.objects.filter(pk=member.pk).update(away=away)
    member.away = away
    _online.forget(_anyone_online_key(member.workspace_id))
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


def _anyone_online_key(workspace_id: int | None) -> str:
    return f"presence:anyone-online:{workspace_id}"


def anyone_online(*, workspace_id: int) -> bool:
    """`members_online(...).exists()`, remembered for `ANYONE_ONLINE_SECONDS` in the cache (shared
    by the processes when Redis is set) and a second in each process; a member's beat or Online
    / Away switch forgets it (at once in this process, within that second in the others)."""
    key = _anyone_online_key(workspace_id)
    return _online.get(key, lambda: _anyone_online_in_cache(workspace_id, key))


def _anyone_online_in_cache(workspace_id: int, key: str) -> bool:
    online = cache.get(key)
    if online is None:
        online = members_online(workspace_id=workspace_id).exists()
        cache.set(key, online, ANYONE_ONLINE_SECONDS)
    return online
