from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tertulia.accounts.audit import describe
from tertulia.accounts.decorators import manager_required, member_required
from tertulia.accounts.forms import LoginForm, ProfileForm, WorkspaceForm
from tertulia.accounts.models import AuditAction
from tertulia.accounts.selectors import audit_page
from tertulia.accounts.services import profile_update, workspace_update


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
        profile_update(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@manager_required
def workspace_settings(request):
    """Owners and admins: the workspace's name, IP addresses, retention, and its audit log
    (?kind= one kind of entry, ?before= the entries older than that id)."""
    workspace = request.member.workspace
    form = WorkspaceForm(request.POST or None, instance=workspace)
    if request.method == "POST" and form.is_valid():
        workspace_update(workspace=workspace, actor=request.user, data=form.cleaned_data)
        messages.success(request, _("The workspace settings are saved."))
        return redirect("accounts:workspace")
    kind = request.GET.get("kind", "")
    if kind not in AuditAction.values:
        kind = ""
    before = _positive_int(request.GET.get("before", ""))
    page = audit_page(workspace=workspace, action=kind, before=before)
    context = {
        "form": form,
        "log": [(entry, describe(entry)) for entry in page.entries],
        "older_than": page.older_than,
        "paged": before is not None,
        "kinds": AuditAction.choices,
        "kind": kind,
    }
    return render(request, "accounts/workspace.html", context)


def _positive_int(text: str) -> int | None:
    """A database id from the query string, or None for anything else."""
    if text.isascii() and text.isdigit() and 0 < len(text) <= 18:
        return int(text)
    return None
