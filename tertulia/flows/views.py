"""Bot pages: the list, each bot's settings with its embed snippet, and the flow editor."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tertulia.accounts.decorators import manager_required
from tertulia.accounts.models import Member
from tertulia.flows import engine
from tertulia.flows.forms import BotForm, FlowImportForm, OfficeHoursForm
from tertulia.flows.messages import flow_problems
from tertulia.flows.models import Bot
from tertulia.flows.preview import preview_pass
from tertulia.flows.services import bot_create, bot_update, flow_save
from tertulia.visitors.choices import VisitorStatus


def _bot_or_404(request, bot_id: int) -> Bot:
    bot = Bot.objects.filter(workspace=request.member.workspace, pk=bot_id).first()
    if bot is None:
        raise Http404(_("No such bot."))
    return bot


@require_http_methods(["GET", "POST"])
@manager_required
def bot_list(request):
    workspace = request.member.workspace
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:120] or _("Website bot")
        bot = bot_create(workspace=workspace, name=name, title=name, actor=request.user)
        messages.success(
            request, _("Bot created from the template flow. Adjust it, then embed it.")
        )
        return redirect("flows:settings", bot.pk)
    bots = Bot.objects.filter(workspace=workspace).order_by("name", "pk")
    return render(request, "flows/list.html", {"bots": bots})


@require_http_methods(["GET", "POST"])
@manager_required
def bot_settings(request, bot_id: int):
    bot = _bot_or_404(request, bot_id)
    form = BotForm(request.POST or None, instance=bot)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in BotForm.Meta.fields}
        data["allowed_origins"] = form.cleaned_data["allowed_origins_text"]
        bot_update(bot=bot, actor=request.user, data=data)
        messages.success(request, _("Saved."))
        return redirect("flows:settings", bot.pk)
    context = {
        "bot": bot,
        "form": form,
        "snippet": _snippet(request, bot),
        "hours_form": OfficeHoursForm(bot=bot),
    }
    return render(request, "flows/settings.html", context)


def _snippet(request, bot: Bot) -> str:
    """The tag a site pastes to show this bot's widget."""
    return (
        f'<script src="{request.scheme}://{request.get_host()}/widget.js" '
        f'data-bot="{bot.public_key}" async></script>'
    )


@require_POST
@manager_required
def bot_hours(request, bot_id: int):
    """Save a bot's office hours (the settings page's second form)."""
    bot = _bot_or_404(request, bot_id)
    form = OfficeHoursForm(request.POST, bot=bot)
    if form.is_valid():
        bot_update(bot=bot, actor=request.user, data=form.settings())
        messages.success(request, _("Office hours saved."))
        return redirect(f"{reverse('flows:settings', args=[bot.pk])}#hours")
    context = {
        "bot": bot,
        "form": BotForm(instance=bot),
        "hours_form": form,
        "snippet": _snippet(request, bot),
    }
    return render(request, "flows/settings.html", context, status=400)


def _editor_context(request, bot: Bot, flow: dict, problems: list[str]) -> dict:
    nodes = engine.nodes_by_id(flow)
    return {
        "bot": bot,
        "flow": flow,
        "problems": problems,
        "preview_pass": preview_pass(bot),
        "node_types": engine.NODE_TYPES,
        "field_types": engine.FIELD_TYPES,
        "condition_ops": engine.CONDITION_OPS,
        "statuses": list(VisitorStatus),
        "members": Member.objects.filter(workspace=request.member.workspace).select_related("user"),
        "node_ids": list(nodes),
        "blank_nodes": [
            {"id": "", "type": t, "in_app": True, "options": [], "fields": []}
            for t in engine.NODE_TYPES
            if t != "start"
        ],
        "import_form": FlowImportForm(),
    }


def validation_messages(flow: dict) -> list[str]:
    return [message for _problem, message in flow_problems(flow)]


@require_http_methods(["GET", "POST"])
@manager_required
def flow_editor(request, bot_id: int):
    """Edit the flow as cards; the page's script sends the cards back as one JSON document."""
    bot = _bot_or_404(request, bot_id)
    if request.method == "GET":
        return render(request, "flows/editor.html", _editor_context(request, bot, bot.flow, []))
    try:
        flow = json.loads(request.POST.get("flow", ""))
    except ValueError:
        flow = None
    if not isinstance(flow, dict):
        return HttpResponse(_("The flow could not be read."), status=400)
    problems = validation_messages(flow)
    if problems:
        context = _editor_context(request, bot, flow, problems)
        return render(request, "flows/editor.html", context, status=400)
    flow_save(bot=bot, flow=flow, actor=request.user)
    messages.success(request, _("Flow saved. New conversations use it now."))
    return redirect("flows:editor", bot.pk)


@require_GET
@manager_required
def flow_export(request, bot_id: int):
    bot = _bot_or_404(request, bot_id)
    response = HttpResponse(
        json.dumps(bot.flow, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="flow-{bot.pk}.json"'
    return response


@require_POST
@manager_required
def flow_import(request, bot_id: int):
    bot = _bot_or_404(request, bot_id)
    form = FlowImportForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        context = _editor_context(request, bot, bot.flow, errors)
        return render(request, "flows/editor.html", context, status=400)
    flow = form.cleaned_data["file"]
    problems = validation_messages(flow)
    if problems:
        return render(
            request, "flows/editor.html", _editor_context(request, bot, flow, problems), status=400
        )
    flow_save(bot=bot, flow=flow, actor=request.user, imported=True)
    messages.success(request, _("Flow imported."))
    return redirect("flows:editor", bot.pk)
