from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tertulia.accounts.decorators import manager_required, member_required
from tertulia.accounts.forms import LoginForm, ProfileForm, WorkspaceForm
from tertulia.accounts.models import AuditEntry


class LoginView(auth_views.LoginView):
    """E-mail login; answers 429 with Retry-After while this IP address may not try (on this
    account, or on any after too many failures)."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_seconds:
            response.status_code = 429
            response["Retry-After"] = str(form.locked_seconds)
        return response


@member_required
def profile(request):
    """The member's own settings: name, language and time zone."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


PRIVACY_LOG_SIZE = 50


@manager_required
def workspace_settings(request):
    """Owners and admins: the workspace's name, IP addresses, retention, and the privacy log."""
    workspace = request.member.workspace
    form = WorkspaceForm(request.POST or None, instance=workspace)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The workspace settings are saved."))
        return redirect("accounts:workspace")
    log = (
        AuditEntry.objects.filter(workspace=workspace)
        .select_related("actor")
        .order_by("-id")[:PRIVACY_LOG_SIZE]
    )
    return render(request, "accounts/workspace.html", {"form": form, "log": log})
