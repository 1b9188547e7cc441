from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse

from tertulia.accounts.links import public_url
from tertulia.accounts.models import Member, Workspace
from tertulia.team.services import INVITABLE_ROLES, invitations_send


class Command(BaseCommand):
    help = "Invite an e-mail address to a workspace, as an admin or agent (for scripts)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="The workspace's name.")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=[str(r) for r in INVITABLE_ROLES])
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="The e-mail's language.",
        )

    def handle(self, *args, workspace, email, role, language, **options):
        found = Workspace.objects.filter(name=workspace).first()
        if found is None:
            raise CommandError(f"There is no workspace named {workspace!r}.")
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        if Member.objects.filter(workspace=found, user__email__iexact=email).exists():
            raise CommandError(f"{email} is already a member of {found.name!r}.")
        links = []

        def link(token: str) -> str:
            links.append(public_url(reverse("team:join", args=[token])))
            return links[-1]

        invitations_send(
            workspace=found, actor=None, emails=[email], role=role, language=language, link=link
        )
        self.stdout.write(f"Invited {email} to {found.name!r} as {role}: {links[-1]}")
