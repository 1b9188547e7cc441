"""The bell: a member's latest notifications, and marking them read."""

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from tertulia.accounts.decorators import member_required
from tertulia.notifications.selectors import recent, unread_count
from tertulia.notifications.services import notifications_mark_read


def _bell(request):
    member = request.member
    return render(
        request,
        "notifications/_bell.html",
        {"unread": unread_count(member=member), "notifications": recent(member=member)},
    )


@require_GET
@member_required
def bell(request):
    return _bell(request)


@require_POST
@member_required
def mark_read(request):
    notifications_mark_read(member=request.member)
    return _bell(request)
