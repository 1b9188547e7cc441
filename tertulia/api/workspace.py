"""/api/v1/members, /api/v1/bots and a bot's flow."""

from django.utils.translation import gettext as _
from ninja import Router

from tertulia.accounts.models import Member
from tertulia.api.auth import may, may_write
from tertulia.api.errors import ApiError, not_found
from tertulia.api.schemas import WITH_BODY, BotOut, Flow, Id, MemberOut, answers
from tertulia.flows.messages import flow_problems
from tertulia.flows.models import Bot
from tertulia.flows.services import flow_save

router = Router()


@router.get("/members", response=answers(list[MemberOut]), tags=["Members"], summary="List members")
def member_list(request):
    """Everyone in the workspace, with their role and whether they can answer now."""
    may(request, "visitors")
    members = Member.objects.filter(workspace_id=request.member.workspace_id).select_related("user")
    return [
        {
            "id": m.pk,
            "name": str(m.user),
            "email": m.user.email,
            "role": m.role,
            "online": m.is_online,
            "created_at": m.created_at,
        }
        for m in members.order_by("id")
    ]


def _bot(request, bot_id: int) -> Bot:
    may(request, "bots")
    bot = Bot.objects.filter(workspace_id=request.member.workspace_id, pk=bot_id).first()
    if bot is None:
        raise not_found()
    return bot


def bot_data(bot: Bot) -> dict:
    return {name: getattr(bot, name) for name in BotOut.model_fields}


@router.get("/bots", response=answers(list[BotOut]), tags=["Bots"], summary="List bots")
def bot_list(request):
    may(request, "bots")
    bots = Bot.objects.filter(workspace_id=request.member.workspace_id).order_by("id")
    return [bot_data(bot) for bot in bots]


@router.get("/bots/{bot_id}", response=answers(BotOut), tags=["Bots"], summary="Get a bot")
def bot_detail(request, bot_id: Id):
    return bot_data(_bot(request, bot_id))


@router.get("/bots/{bot_id}/flow", response=answers(Flow), tags=["Bots"], summary="Get a flow")
def flow_detail(request, bot_id: Id):
    flow = _bot(request, bot_id).flow
    return flow if isinstance(flow, dict) and isinstance(flow.get("nodes"), list) else {"nodes": []}


@router.put(
    "/bots/{bot_id}/flow",
    response=answers(Flow, errors=WITH_BODY),
    tags=["Bots"],
    summary="Replace a flow",
)
def flow_replace(request, bot_id: Id, body: Flow):
    """Checked as the editor checks it: a flow with problems is refused (422, `problems`) and
    the bot keeps its flow. New conversations use the new flow at once."""
    may_write(request, "bots")
    bot = _bot(request, bot_id)
    flow = body.model_dump(mode="json")
    problems = flow_problems(flow)
    if problems:
        raise ApiError(
            422,
            "invalid_flow",
            _("The flow was not saved: it has problems."),
            problems=[
                {"code": p.code, "node": p.node, "message": message} for p, message in problems
            ],
        )
    flow_save(bot=bot, flow=flow, actor=request.member.user)
    return flow
