"""The Identity verification page: owners and admins turn it on (a secret for the site's
backend to sign `identify` with), replace the secret, or turn it off."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tertulia.accounts.decorators import member_required
from tertulia.api.views import manager
from tertulia.conversations.identity import identity_verification_set

DONE = {
    "on": lambda: _("Identity verification is on: give the secret to your site's backend."),
    "rotate": lambda: _("The secret was replaced: the old one no longer works."),
    "off": lambda: _("Identity verification is off: identify is taken without a signature."),
}


@require_http_methods(["GET", "POST"])
@member_required
def identity(request):
    member = manager(request)
    workspace = member.workspace
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in DONE:
            raise BadRequest(_("Choose what to do."))
        identity_verification_set(workspace=workspace, on=action != "off", actor=request.user)
        messages.success(request, DONE[action]())
        return redirect("api:identity")
    return render(request, "api/identity.html", {"secret": workspace.identity_secret})
