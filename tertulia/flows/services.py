"""Writes for bots: creating one, its settings and its flow."""

from django.db import transaction

from tertulia.flows.models import Bot
from tertulia.flows.starter import starter_flow


def bot_create(*, workspace, name: str, **look) -> Bot:
    """A new bot, starting from the template flow in the creating member's language."""
    return Bot.objects.create(workspace=workspace, name=name, flow=starter_flow(), **look)


@transaction.atomic
def flow_save(*, bot: Bot, flow: dict) -> None:
    """Store a validated flow. Visitors already in a conversation go on from where they are;
    a node that no longer exists ends their path (the engine treats it as the end)."""
    bot.flow = flow
    bot.save(update_fields=["flow"])
