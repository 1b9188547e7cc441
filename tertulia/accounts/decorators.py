"""Access rules for dashboard views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def member_required(view):
    """Let through logged-in users who belong to a workspace; send others to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.member:
            raise PermissionDenied("You are not a member of any workspace.")
        return view(request, *args, **kwargs)

    return wrapper
