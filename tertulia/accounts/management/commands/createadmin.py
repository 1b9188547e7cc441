from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tertulia.accounts.models import Workspace
from tertulia.accounts.services import workspace_create_with_owner


class Command(BaseCommand):
    help = "Create a workspace and its owner, without prompts."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--workspace", required=True, help="Name of the new workspace.")
        parser.add_argument("--name", default="", help="The owner's display name.")
        parser.add_argument(
            "--language", default="", choices=["", *(code for code, _name in settings.LANGUAGES)]
        )

    def handle(self, *args, email, password, workspace, name, language, **options):
        if Workspace.objects.filter(name=workspace).exists():
            raise CommandError(f"A workspace named {workspace!r} already exists.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        member = workspace_create_with_owner(
            workspace_name=workspace, email=email, password=password, name=name, language=language
        )
        self.stdout.write(
            f"Created workspace {member.workspace.name!r} owned by {member.user.email}."
        )
