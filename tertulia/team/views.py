"""The Team page (members and invitations) and an invitation's accept page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tertulia.accounts.decorators import manager_required, member_required
from tertulia.accounts.forms import LoginForm
from tertulia.accounts.links import public_url
from tertulia.accounts.models import Member, Role, User
from tertulia.accounts.selectors import WORKSPACE_SESSION_KEY
from tertulia.accounts.services import ownership_hand_over
from tertulia.team.forms import InviteForm, JoinForm, RoleForm
from tertulia.team.models import INVITATION_DAYS, Invitation, InvitationState
from tertulia.team.selectors import open_invitations, team_members
from tertulia.team.services import (
    InvitationClosed,
    invitation_accept,
    invitation_for_token,
    invitation_resend,
    invitation_revoke,
    invitations_send,
    team_member_remove,
    team_member_set_role,
)


@member_required
def team(request):
    """Every member sees who is in the workspace; owners and admins also invite and manage."""
    return _team_page(request, InviteForm(workspace=request.member.workspace))


@require_POST
@member_required
def switch(request, workspace_id: int):
    """Work in another workspace this user is a member of: every page, socket and export of
    this session follows it (`accounts.selectors.member_for_session`)."""
    member = get_object_or_404(
        Member.objects.select_related("workspace"), user=request.user, workspace_id=workspace_id
    )
    request.session[WORKSPACE_SESSION_KEY] = member.workspace_id
    messages.success(
        request, _("You are working in %(workspace)s.") % {"workspace": member.workspace}
    )
    return redirect("visitors:list")


def _team_page(request, form, status=200):
    workspace = request.member.workspace
    manages = request.member.can("team")
    context = {
        "members": team_members(workspace=workspace),
        "invitations": open_invitations(workspace=workspace) if manages else [],
        "form": form,
        "manages": manages,
        "may_own": request.member.can("owners"),
        "roles": Role.choices,
        "days": INVITATION_DAYS,
    }
    return render(request, "team/team.html", context, status=status)


@require_POST
@manager_required
def invite(request):
    form = InviteForm(request.POST, workspace=request.member.workspace)
    if not form.is_valid():
        return _team_page(request, form, status=400)
    sent = invitations_send(
        workspace=request.member.workspace,
        actor=request.member,
        emails=form.cleaned_data["emails"],
        role=form.cleaned_data["role"],
        language=_mail_language(request),
        link=_link_maker(request),
    )
    messages.success(
        request,
        _("Invitation sent to %(addresses)s.")
        % {"addresses": ", ".join(invitation.email for invitation in sent)},
    )
    return redirect("team:team")


@require_POST
@manager_required
def resend(request, pk: int):
    invitation = _invitation(request, pk)
    try:
        invitation_resend(
            invitation=invitation,
            actor=request.member,
            language=_mail_language(request),
            link=_link_maker(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Invitation sent again to %(address)s.") % {"address": invitation.email}
        )
    return redirect("team:team")


@require_POST
@manager_required
def revoke(request, pk: int):
    invitation = invitation_revoke(invitation=_invitation(request, pk), actor=request.member)
    messages.success(
        request, _("The invitation of %(address)s is revoked.") % {"address": invitation.email}
    )
    return redirect("team:team")


@require_POST
@manager_required
def set_role(request, pk: int):
    member = _member(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("team:team")
    try:
        member = team_member_set_role(
            member=member, role=form.cleaned_data["role"], actor=request.member
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(member)s is now %(role)s.")
            % {"member": member.user, "role": member.get_role_display()},
        )
    return redirect("team:team")


@require_POST
@manager_required
def remove(request, pk: int):
    member = _member(request, pk)
    name = str(member.user)
    try:
        team_member_remove(member=member, actor=request.member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("team:team")
    if member.user_id == request.user.pk:
        return redirect("accounts:login")
    messages.success(request, _("%(member)s is no longer in this workspace.") % {"member": name})
    return redirect("team:team")


@require_POST
@manager_required
def hand_over(request, pk: int):
    member = _member(request, pk)
    if not request.member.can("owners"):
        raise PermissionDenied(_("Only an owner can hand ownership over."))
    try:
        member = ownership_hand_over(
            workspace=request.member.workspace, to=member, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(member)s is now the owner; you are an admin.") % {"member": member.user}
        )
    return redirect("team:team")


def join(request, token: str):
    """The invitation's link: a new person makes their account, someone with an account logs in;
    either way they join the workspace and land on the Visitors page."""
    try:
        invitation = invitation_for_token(token)
    except InvitationClosed as closed:
        return _closed(request, closed.state)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "inviter": invitation.invited_by, "existing": existing}
    if existing is not None:
        return _join_existing(request, token, invitation, existing, context)
    form = JoinForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            member = invitation_accept(
                token=token,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
                language=form.cleaned_data["language"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except InvitationClosed as closed:
            return _closed(request, closed.state)
        except ValidationError:  # the address got an account meanwhile: log in instead
            return redirect(request.path)
        login(request, member.user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Welcome to %(workspace)s.") % {"workspace": member.workspace})
        return redirect("visitors:list")
    if request.method == "GET":
        # The page's language, and the workspace's time zone (rather than the list's first).
        form.initial.setdefault(
            "language", get_language() if get_language() in dict(settings.LANGUAGES) else ""
        )
        form.initial.setdefault("timezone", invitation.workspace.timezone)
    context["form"] = form
    return render(request, "team/join.html", context, status=400 if form.errors else 200)


def _join_existing(request, token, invitation, user, context):
    if (
        request.user.is_authenticated
        and request.user.pk == user.pk
        and request.method == "POST"
        and "join" in request.POST
    ):
        return _accepted(request, token, user)
    form = LoginForm(request, data=request.POST or None, initial={"username": user.email})
    signing_in = request.method == "POST" and "join" not in request.POST
    if signing_in and form.is_valid() and form.get_user().pk == user.pk:
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        return _accepted(request, token, user)
    context["form"] = form
    context["signed_in"] = request.user.is_authenticated and request.user.pk == user.pk
    status = 429 if form.locked_seconds else 400 if form.errors else 200
    return render(request, "team/join.html", context, status=status)


def _accepted(request, token, user):
    try:
        member = invitation_accept(token=token, user=user)
    except InvitationClosed as closed:
        return _closed(request, closed.state)
    messages.success(request, _("You joined %(workspace)s.") % {"workspace": member.workspace})
    return redirect("visitors:list")


def _closed(request, state):
    texts = {
        None: _("This invitation link is not valid. Ask for a new invitation."),
        InvitationState.ACCEPTED: _(
            "This invitation was already used. Log in with your e-mail and password."
        ),
        InvitationState.REVOKED: _(
            "This invitation was withdrawn. Ask the person who invited you for a new one."
        ),
        InvitationState.EXPIRED: _(
            "This invitation has expired. Ask the person who invited you to send it again."
        ),
    }
    return render(
        request,
        "team/join_closed.html",
        {"text": texts[state], "state": state},
        status=404 if state is None else 410,
    )


def _invitation(request, pk: int) -> Invitation:
    return get_object_or_404(Invitation, pk=pk, workspace=request.member.workspace)


def _member(request, pk: int) -> Member:
    return get_object_or_404(
        Member.objects.select_related("user"), pk=pk, workspace=request.member.workspace
    )


def _mail_language(request) -> str:
    """The inviting member's language, else the one this page is shown in."""
    return request.user.language or get_language() or settings.LANGUAGE_CODE


def _link_maker(request):
    """token -> the accept page's address (`accounts.links.public_url`: TERTULIA_URL when set,
    else where this request came)."""

    def link(token: str) -> str:
        return public_url(reverse("team:join", args=[token]), request)

    return link
