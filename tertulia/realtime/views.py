"""The top bar's Online / Away switch."""

from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tertulia.accounts.decorators import member_required
from tertulia.realtime.presence import presence_set_away


@require_POST
@member_required
def presence_switch(request):
    """Set oneself Away (`away=1`) or Online (anything else); htmx gets the switch again."""
    presence_set_away(member=request.member, away=request.POST.get("away") == "1")
    if request.htmx:
        return render(request, "_presence.html")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back)
