"""Writes for workspaces and members."""

from django.db import transaction

from tertulia.accounts.models import Member, Role, User, Workspace


@transaction.atomic
def workspace_create_with_owner(
    *, workspace_name: str, email: str, password: str, name: str = "", language: str = ""
) -> Member:
    """Create a workspace and the user who owns it (the user may already exist)."""
    workspace = Workspace.objects.create(name=workspace_name)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name, language=language)
    return Member.objects.create(workspace=workspace, user=user, role=Role.OWNER)


@transaction.atomic
def member_add(
    *,
    workspace: Workspace,
    email: str,
    password: str,
    role: str,
    name: str = "",
    language: str = "",
) -> Member:
    """Add a person to a workspace with a role, creating their login if needed."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name, language=language)
    return Member.objects.create(workspace=workspace, user=user, role=role)
