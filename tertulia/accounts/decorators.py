"""Access rules for dashboard views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _


def member_required(view):
    """Let through logged-in users who belong to a workspace; send others to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.member:
            # Removed from their last workspace, or it was deleted: say so, and offer to log out.
            return render(request, "accounts/no_workspace.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    """Owners and admins only (bots, workspace settings, deleting visitors); agents get 403."""

    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.member.is_manager:
            raise PermissionDenied(_("Only owners and admins can do this."))
        return view(request, *args, **kwargs)

    return wrapper
