"""Writes for bots: creating one, its settings and its flow; each writes an audit entry."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from tertulia.accounts.models import AuditAction, User, Workspace
from tertulia.accounts.services import audit
from tertulia.core.updates import model_update
from tertulia.flows.models import Bot
from tertulia.flows.starter import starter_flow

# What the bot's settings page changes (the look and the allowed sites).
BOT_SETTINGS = (
    "name",
    "title",
    "greeting",
    "avatar",
    "colour",
    "position",
    "language",
    "allowed_origins",
    "hours_on",
    "hours",
)


@transaction.atomic
def bot_create(*, workspace: Workspace, name: str, actor: User | None = None, **look: Any) -> Bot:
    """A new bot, starting from the template flow in the creating member's language."""
    bot = Bot.objects.create(workspace=workspace, name=name, flow=starter_flow(), **look)
    audit(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.BOT_CREATED,
        bot=bot.pk,
        name=bot.name,
    )
    return bot


@transaction.atomic
def bot_update(*, bot: Bot, actor: User | None, data: Mapping[str, Any]) -> Bot:
    """Change a bot's look or allowed sites (keys of BOT_SETTINGS); the audit entry has each
    changed setting's old and new value."""
    bot = Bot.objects.select_for_update().get(pk=bot.pk)
    changes = model_update(instance=bot, fields=BOT_SETTINGS, data=data)
    if changes:
        audit(
            workspace_id=bot.workspace_id,
            actor=actor,
            action=AuditAction.BOT_UPDATED,
            bot=bot.pk,
            name=bot.name,
            changes=changes,
        )
    return bot


@transaction.atomic
def flow_save(*, bot: Bot, flow: dict, actor: User | None = None, imported: bool = False) -> None:
    """Store a validated flow, from the editor or read from a file (`imported`). Visitors already
    in a conversation go on from where they are; a node that no longer exists ends their path
    (the engine treats it as the end). The audit entry counts the steps before and after: a
    flow is too big to keep in the log."""
    locked = Bot.objects.select_for_update().get(pk=bot.pk)
    before = locked.flow
    bot.flow = locked.flow = flow
    if flow == before:
        return
    locked.save(update_fields=["flow"])
    audit(
        workspace_id=locked.workspace_id,
        actor=actor,
        action=AuditAction.FLOW_IMPORTED if imported else AuditAction.FLOW_SAVED,
        bot=locked.pk,
        name=locked.name,
        steps_before=_step_count(before),
        steps_after=_step_count(flow),
    )


def _step_count(flow: Any) -> int:
    nodes = flow.get("nodes") if isinstance(flow, dict) else None
    return len(nodes) if isinstance(nodes, list) else 0
