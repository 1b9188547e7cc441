import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from tertulia.accounts import links
from tertulia.accounts.audit import describe
from tertulia.accounts.credentials import email_change, password_set
from tertulia.accounts.decorators import manager_required, member_required
from tertulia.accounts.emails import account_email_send, language_for
from tertulia.accounts.forms import (
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SetPasswordForm,
    WorkspaceDeleteForm,
    WorkspaceForm,
)
from tertulia.accounts.models import AuditAction, User
from tertulia.accounts.selectors import WORKSPACE_SESSION_KEY, audit_page
from tertulia.accounts.services import profile_update, workspace_delete, workspace_update
from tertulia.core import ratelimit
from tertulia.core.net import request_ip

RESET_REQUESTS_PER_IP = "password_reset_per_ip"
RESET_EMAILS_PER_ADDRESS = "password_reset_per_address"


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
    """The member's own settings: name, language and time zone; and the forms that change the
    password and the e-mail address (they post to their own views)."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:profile")
    return _profile_page(request, form=form)


def _profile_page(request, *, status: int = 200, **forms):
    context = {
        "form": ProfileForm(instance=request.user),
        "password_form": PasswordChangeForm(request.user, prefix="password"),
        "email_form": EmailChangeForm(request.user, prefix="email"),
        **forms,
    }
    return render(request, "accounts/profile.html", context, status=status)


@sensitive_post_parameters()
@require_POST
@member_required
def password_change(request):
    """Change the password (the current one first); the user's other sessions end, this one stays."""
    form = PasswordChangeForm(request.user, request.POST, prefix="password")
    if not form.is_valid():
        return _profile_page(request, password_form=form, status=400)
    user = password_set(user=request.user, password=form.cleaned_data["new_password1"])
    update_session_auth_hash(request, user)
    messages.success(
        request, _("Your password is changed. Your other sessions have been logged out.")
    )
    return redirect("accounts:profile")


@sensitive_post_parameters()
@require_POST
@member_required
def email_change_request(request):
    """Send a confirmation link to the new address; the address changes when it is opened."""
    form = EmailChangeForm(request.user, request.POST, prefix="email")
    if not form.is_valid():
        return _profile_page(request, email_form=form, status=400)
    new_email = form.cleaned_data["new_email"]
    token = links.token_make(purpose=links.EMAIL_CHANGE, user=request.user, extra=new_email)
    sent = account_email_send(
        to=new_email,
        language=language_for(request.user, request),
        template="email_change",
        context={
            "user": request.user,
            "old_email": request.user.email,
            "new_email": new_email,
            "link": links.public_url(reverse("accounts:email_confirm", args=[token]), request),
        },
    )
    if sent:
        messages.success(
            request,
            _("We sent a link to %(email)s. Your address changes when you open it (within a day).")
            % {"email": new_email},
        )
    else:
        messages.error(request, _("The e-mail could not be sent. Try again later."))
    return redirect("accounts:profile")


@never_cache
def email_confirm(request, token: str):
    """The link from the new address: a button confirms it (mail scanners open links too)."""
    try:
        link = links.token_read(purpose=links.EMAIL_CHANGE, token=token)
    except links.LinkRefused as refused:
        return _refused(request, refused.reason, "accounts/email_confirm.html")
    if request.method == "POST":
        try:
            email_change(user=link.user, new_email=link.extra)
        except ValidationError as error:
            return render(
                request,
                "accounts/email_confirm.html",
                {"error": error.messages[0]},
                status=409,
            )
        messages.success(
            request, _("Your e-mail address is now %(email)s.") % {"email": link.extra}
        )
        if request.user.is_authenticated and request.user.pk == link.user.pk:
            return redirect("accounts:profile")
        return redirect("accounts:login")
    return render(request, "accounts/email_confirm.html", {"new_email": link.extra})


@never_cache
def password_forgot(request):
    """Ask for a reset link. The answer is the same whether or not the address has an account;
    each IP address may ask a few times in a while (`password_reset_per_ip`), and one address
    gets a few e-mails in a while whoever asks (`password_reset_per_address`: over it, nothing
    is sent and the answer stays the same, so it tells nothing about the address either)."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = ratelimit.hit(RESET_REQUESTS_PER_IP, request_ip(request))
        if wait:
            minutes = math.ceil(wait / 60)
            form.add_error(
                None,
                ngettext(
                    "Too many requests. Try again in %(minutes)d minute.",
                    "Too many requests. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = render(request, "accounts/password_forgot.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        email = form.cleaned_data["email"]
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is not None and not ratelimit.hit(RESET_EMAILS_PER_ADDRESS, user.email.lower()):
            token = links.token_make(purpose=links.PASSWORD_RESET, user=user)
            account_email_send(
                to=user.email,
                language=language_for(user, request),
                template="password_reset",
                context={
                    "user": user,
                    "email": user.email,
                    "link": links.public_url(
                        reverse("accounts:password_reset", args=[token]), request
                    ),
                },
            )
        return render(request, "accounts/password_forgot.html", {"sent_to": email})
    return render(request, "accounts/password_forgot.html", {"form": form})


@never_cache
@sensitive_post_parameters()
def password_reset(request, token: str):
    """The link from the e-mail: choose a new password, then go in logged in."""
    try:
        link = links.token_read(purpose=links.PASSWORD_RESET, token=token)
    except links.LinkRefused as refused:
        return _refused(request, refused.reason, "accounts/password_reset.html")
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = password_set(user=link.user, password=form.cleaned_data["new_password1"])
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Your new password is set. You are logged in."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


def _refused(request, reason: str, template: str):
    """A link that no longer acts says why, on its own page (410 Gone, 400 for a broken one)."""
    return render(
        request, template, {"refused": reason}, status=400 if reason == "invalid" else 410
    )


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
        "may_delete": request.member.can("owners"),
    }
    return render(request, "accounts/workspace.html", context)


@sensitive_post_parameters()
@member_required
def workspace_delete_confirm(request):
    """Owners only: say what goes, ask for the name and the password, then delete. The member
    lands in another of their workspaces, or on the login page when this was their only one."""
    if not request.member.can("owners"):
        raise PermissionDenied(_("Only an owner can delete the workspace."))
    workspace = request.member.workspace
    form = WorkspaceDeleteForm(request.user, workspace, request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = workspace.name
        workspace_delete(workspace=workspace, actor=request.user)
        request.session.pop(WORKSPACE_SESSION_KEY, None)
        if not request.user.memberships.exists():
            logout(request)
        messages.success(request, _("The workspace %(name)s is deleted.") % {"name": name})
        return redirect("visitors:list")
    context = {"form": form, "workspace": workspace}
    status = 400 if form.errors else 200
    return render(request, "accounts/workspace_delete.html", context, status=status)


def _positive_int(text: str) -> int | None:
    """A database id from the query string, or None for anything else."""
    if text.isascii() and text.isdigit() and 0 < len(text) <= 18:
        return int(text)
    return None
