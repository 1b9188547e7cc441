from django.core.management import call_command
from django.core.management.base import BaseCommand

from tertulia.accounts.models import Role, Workspace
from tertulia.accounts.services import member_add, workspace_create_with_owner
from tertulia.demo.account import DEMO_AGENT_EMAIL, DEMO_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE
from tertulia.flows.models import Bot
from tertulia.flows.services import bot_create
from tertulia.flows.starter import starter_flow


class Command(BaseCommand):
    help = "Create the demo workspace with visitors once, and print its login."

    def handle(self, *args, **options):
        if not Workspace.objects.filter(name=DEMO_WORKSPACE).exists():
            member = workspace_create_with_owner(
                workspace_name=DEMO_WORKSPACE,
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                name="Ana Demo",
            )
            member_add(
                workspace=member.workspace,
                email=DEMO_AGENT_EMAIL,
                password=DEMO_PASSWORD,
                role=Role.AGENT,
                name="Carlos Agente",
                language="es",
            )
            bot_create(
                workspace=member.workspace,
                name="Website bot",
                title="Panadería Luna",
                greeting="We usually reply within minutes.",
                avatar="PL",
                colour="#b45309",
            )
            call_command("seed", visitors=240, workspace=DEMO_WORKSPACE, stdout=self.stdout)
        # Demo bots made before bots had flows get the template.
        for bot in Bot.objects.filter(workspace__name=DEMO_WORKSPACE, flow={}):
            bot.flow = starter_flow()
            bot.save(update_fields=["flow"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}  (Spanish-speaking agent: {DEMO_AGENT_EMAIL})\n"
                "Chat as a visitor on the demo site: /demo/"
            )
        )
