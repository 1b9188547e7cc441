"""What a visitor does through the widget: open it, write, pick an option, submit a form.

The WebSocket consumer and the plain-HTTP fallback both call these, so they behave the same.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.conversations.flow_runner import flow_advance, mark_option_chosen
from tertulia.conversations.identity import (
    Identity,
    IdentityStatus,
    identity_apply,
    identity_read,
    identity_status,
    params_apply,
)
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.conversations.office_hours import away_email_capture
from tertulia.conversations.services import VisitorChanges, message_post
from tertulia.core import limits, ratelimit, rows
from tertulia.core.languages import supported_language
from tertulia.core.untrusted import storable_text
from tertulia.core.web import is_web_url
from tertulia.flows import engine
from tertulia.flows.models import Bot
from tertulia.flows.submissions import clean_submission
from tertulia.geo.device import parse_device
from tertulia.geo.location import Location, locate
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit, send_now, workspace_group
from tertulia.visitors.ip import stored_ip
from tertulia.visitors.models import PageView, Visitor, VisitorToken
from tertulia.visitors.services import visitor_create

UTM_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# What a bot's public key can look like (flows.models.new_public_key, and its column's length):
# anything else names no bot, without asking the database.
PUBLIC_KEY = re.compile(r"[A-Za-z0-9_-]{1,32}")
# The fields of each visitor action and their JSON types; absent or null counts as empty.
ACTION_FIELDS = {
    "text": {"text": str},
    "choose": {"node": str, "option": str},
    "submit": {"node": str, "values": dict},
}


@dataclass
class WidgetError(Exception):
    """A clear reason for the visitor; `status` is the HTTP status the fallback answers with."""

    code: str
    message: str
    status: int = 400
    fields: dict = field(default_factory=dict)
    retry_after: int = 0


def bot_for_key(key: str) -> Bot | None:
    """The bot an embed snippet names, with its workspace."""
    if not isinstance(key, str) or not PUBLIC_KEY.fullmatch(key):
        return None
    return Bot.objects.select_related("workspace").filter(public_key=key).first()


def chat_language(bot: Bot, asked: object) -> str:
    """The bot's language, or the one the visitor's browser asks for."""
    return bot.language or supported_language(asked)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def visitor_for_token(*, bot: Bot, token: str) -> Visitor | None:
    """The visitor this browser is, or None for an unknown or foreign token. Most browsers are
    the one that started their visitor (`Visitor.token_hash`); others continue a verified
    user's or a merged visitor (`VisitorToken`)."""
    if not token or len(token) > 100:
        return None
    hashed = token_hash(token)
    visitors = Visitor.objects.filter(bot=bot).select_related("workspace")
    visitor = visitors.filter(token_hash=hashed).first() or (
        visitors.filter(tokens__token_hash=hashed).first()
    )
    if visitor is not None:
        visitor.bot = bot  # the one just looked up, with its workspace: no query for it again
    return visitor


def _verified_visitor(bot: Bot, user_id: str) -> Visitor | None:
    return (
        Visitor.objects.filter(bot=bot, external_id=user_id, identity_verified_at__isnull=False)
        .select_related("workspace")
        .first()
    )


def _continue_in_this_browser(visitor: Visitor) -> str:
    """A new token for this browser, continuing `visitor` (another device of a verified user)."""
    token = secrets.token_urlsafe(32)
    VisitorToken.objects.create(token_hash=token_hash(token), visitor=visitor)
    return token


def _clip(value: object, limit: int = limits.PAGE_URL_MAX) -> str:
    return storable_text(value[:limit]) if isinstance(value, str) else ""


def _web_url(value: object) -> str:
    """An http(s) address the widget reported, or "" for anything else."""
    url = _clip(value).strip()
    return url if is_web_url(url) else ""


def _languages(page: dict) -> str:
    """ "es-ES, es, en" from the browser's list (or its one language, from older chats)."""
    asked = page.get("languages")
    if not isinstance(asked, list):
        asked = [page.get("language")]
    tags = [tag.strip() for tag in asked[:10] if isinstance(tag, str) and tag.strip()]
    return _clip(", ".join(tag[:35] for tag in tags), 200)


def _screen(page: dict) -> str:
    size = page.get("screen")
    if not isinstance(size, list) or len(size) != 2:
        return ""
    width, height = size
    valid = all(isinstance(n, int) and not isinstance(n, bool) and 0 < n < 100_000 for n in size)
    return f"{width}x{height}" if valid else ""


def _utm(url: str) -> dict:
    """The campaign parameters of the landing page."""
    query = parse_qs(urlsplit(url).query)
    return {name: query[name][0][:200] for name in UTM_PARAMETERS if query.get(name, [""])[0]}


@dataclass
class Opened:
    """What opening the chat gives: the visitor, this browser's token for them, and how the
    site's `identify` and `setParams` went."""

    visitor: Visitor
    token: str
    identity: IdentityStatus
    problems: dict[str, str] = field(default_factory=dict)


def widget_open(
    *,
    bot: Bot,
    token: str,
    page: dict,
    ip: str,
    user_agent: str,
    resume_only: bool = False,
    preview: bool = False,
    identity: object = None,
    params: object = None,
) -> Opened:
    """The visitor behind `token`, or a new one (greeted by the flow) with a new token.

    A new visitor's location comes from `ip` (before the workspace's IP policy shortens or drops
    it) and their device from `user_agent`; a known visitor's page is added to the pages visited.
    `resume_only`: the chat loaded in the background on another page, so never create a visitor
    (only opening the widget does). `preview`: a member's test conversation from the flow editor.

    `identity` (the site's `identify`, when it called it) and `params` (its `setParams`) are
    applied to the visitor (`conversations.identity`). A verified user seen before is continued
    in this browser, whatever visitor its token was: same person, same conversation. A verified
    user other than the one this browser's visitor was verified as starts a new visitor.
    """
    told = identity_read(identity, secret=bot.workspace.identity_secret) if identity else None
    visitor = visitor_for_token(bot=bot, token=token)
    if told is not None and told.verified:
        known = _verified_visitor(bot, told.user_id)
        if known is not None and known != visitor:
            known.bot = bot
            visitor, token = known, _continue_in_this_browser(known)
        elif visitor is not None and visitor.identity_verified:
            visitor = visitor if visitor.external_id == told.user_id else None
    if visitor is not None:
        widget_page(visitor=visitor, page=page)
        return _told(visitor, token, told, params)
    if resume_only:
        raise WidgetError("no_conversation", _("No conversation to resume."), 404)
    wait = ratelimit.hit("new_visitors_per_ip", f"{bot.pk}|{ip}")
    if wait:
        raise WidgetError(
            "rate_limited", _("Too many new chats from here. Try again in a minute."), 429, {}, wait
        )
    token = secrets.token_urlsafe(32)
    place = locate(ip) or Location("", "", "")
    device = parse_device(_clip(user_agent, 1000))
    url = _web_url(page.get("url"))
    try:
        with transaction.atomic():
            visitor = visitor_create(
                workspace=bot.workspace,
                bot=bot,
                is_preview=preview,
                token_hash=token_hash(token),
                ip=stored_ip(ip, bot.workspace.ip_storage),
                country=place.country,
                region=place.region,
                city=place.city,
                user_agent=_clip(user_agent, 1000),
                browser=device.browser,
                os=device.os,
                device_type=device.device_type,
                languages=_languages(page),
                timezone=_clip(page.get("timezone"), 64),
                screen=_screen(page),
                referrer=_web_url(page.get("referrer")),
                landing_page=url,
                utm=_utm(url),
            )
            if url:
                _page_view(visitor, url, page)
            visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
            visitor.bot = bot
            # Before the greeting, so that the flow may already call the person by name.
            opened = _told(visitor, token, told, params)
            flow_advance(visitor=visitor, bot=bot, event=engine.Start())
            publish_on_commit(
                workspace_id=bot.workspace_id,
                event=events.CONVERSATION_STARTED,
                data={"visitor": visitor.pk},
            )
    except IntegrityError:
        # The same verified user opened the chat on two devices at once: the other one won.
        known = _verified_visitor(bot, told.user_id) if told is not None and told.verified else None
        if known is None:
            raise
        known.bot = bot
        return _told(known, _continue_in_this_browser(known), told, params)
    return opened


def _told(visitor: Visitor, token: str, told: Identity | None, params: object) -> Opened:
    """Apply what the site told of the visitor, if anything."""
    problems: dict[str, str] = {}
    if told is not None or params is not None:
        with transaction.atomic():
            locked = Visitor.objects.select_for_update().get(pk=visitor.pk)
            if told is not None:
                problems |= identity_apply(visitor=locked, identity=told)
            if params is not None:
                problems |= params_apply(visitor=locked, params=params)
        locked.workspace, locked.bot = visitor.workspace, visitor.bot
        visitor = locked
    status = told.status if told is not None and told.status == IdentityStatus.REFUSED else None
    return Opened(visitor, token, status or identity_status(visitor), problems)


def _page_view(visitor: Visitor, url: str, page: dict) -> PageView:
    return PageView.objects.create(
        workspace_id=visitor.workspace_id,
        visitor=visitor,
        url=url,
        title=_clip(page.get("title"), limits.PAGE_TITLE_MAX),
    )


def widget_page(*, visitor: Visitor, page: dict) -> PageView | None:
    """The visitor is on another page of the site: add it to the pages visited.

    Best effort: a report that is not an http(s) address, repeats the page the visitor is on, or
    comes faster than the `pages_per_visitor` rate limit is dropped without an error.
    """
    url = _web_url(page.get("url") if isinstance(page, dict) else None)
    if not url:
        return None
    latest = PageView.objects.filter(visitor=visitor).order_by("-id").values("url").first()
    if latest and latest["url"] == url:
        return None
    if ratelimit.hit("pages_per_visitor", str(visitor.pk)):
        return None
    view = _page_view(visitor, url, page)
    # No dashboard event: pages change often, and the Info tab shows them when it is opened.
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())
    return view


def visitor_seen(*, visitor_id: int) -> None:
    """The visitor's chat is open now (its socket calls this while connected)."""
    Visitor.objects.filter(pk=visitor_id).update(last_seen_at=timezone.now())


def _client_id(action: dict) -> str:
    client_id = action.get("client_id")
    if not isinstance(client_id, str) or not 0 < len(client_id) <= limits.CLIENT_ID_MAX:
        raise WidgetError("bad_request", _("This message could not be sent. Please reload."))
    return client_id


def _well_formed(action: dict) -> bool:
    """Whether the action is one of ACTION_FIELDS, each field of its type or absent."""
    kind = action.get("type")
    if not isinstance(kind, str) or kind not in ACTION_FIELDS:
        return False
    return all(
        action.get(name) is None or isinstance(action.get(name), expected)
        for name, expected in ACTION_FIELDS[kind].items()
    )


def widget_action_apply(*, bot: Bot, visitor: Visitor, action: dict, ip: str) -> Message:
    """Apply one visitor action ({"type": "text" | "choose" | "submit", "client_id", ...}).

    A client id seen before returns the stored message: a retried send is stored once.
    """
    if not isinstance(action, dict):
        raise WidgetError("bad_request", _("This message could not be sent. Please reload."))
    client_id = _client_id(action)
    kind = action.get("type")
    if not _well_formed(action):
        raise WidgetError("bad_request", _("This message could not be sent. Please reload."))
    if kind == "text":
        text = action.get("text")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            raise WidgetError("empty", _("Write a message first."))
        if len(text) > limits.MESSAGE_MAX:
            raise WidgetError(
                "too_long",
                _("Messages can be up to %(max)s characters long.") % {"max": limits.MESSAGE_MAX},
                413,
            )
    for name, key in (("messages_per_visitor", str(visitor.pk)), ("messages_per_ip", ip)):
        wait = ratelimit.hit(name, key)
        if wait:
            raise WidgetError(
                "rate_limited",
                _("You are sending messages too fast. Wait a moment."),
                429,
                {},
                wait,
            )

    try:
        return _action_stored(bot, visitor, action, client_id)
    except IntegrityError:
        # A text whose client id is taken: it was sent before, and what that stored is the
        # answer (the unique constraint tells, without looking first).
        existing = Message.objects.filter(visitor_id=visitor.pk, client_id=client_id).first()
        if kind != "text" or existing is None:
            raise
        return existing


def _action_stored(bot: Bot, visitor: Visitor, action: dict, client_id: str) -> Message:
    kind = action["type"]
    with transaction.atomic():
        visitor = rows.locked(Visitor, visitor.pk)
        if visitor.bot_id == bot.pk:
            visitor.bot = bot  # the flow runs with this one: its office hours too, no query
        if kind != "text":
            existing = Message.objects.filter(visitor=visitor, client_id=client_id).first()
            if existing is not None:
                return existing
        match kind:
            case "text":
                # The visitor's message and the bot's answers in one INSERT, the visitor's
                # counters and the flow's new position in one UPDATE.
                text = action["text"].strip()
                changes = VisitorChanges()
                message = message_post(
                    visitor=visitor,
                    sender=Sender.VISITOR,
                    text=text,
                    client_id=client_id,
                    changes=changes,
                )
                if not away_email_capture(visitor=visitor, text=text, changes=changes):
                    flow_advance(visitor=visitor, bot=bot, event=engine.Text(text), changes=changes)
                changes.write(visitor.pk)
                return message
            case "choose":
                return _choose(bot, visitor, action, client_id)
            case _:
                return _submit(bot, visitor, action, client_id)


def _pending(bot: Bot, visitor: Visitor, action: dict, waiting: str) -> dict:
    cursor = engine.Cursor.from_json(visitor.flow_cursor)
    node = engine.nodes_by_id(bot.flow).get(cursor.node or "")
    if cursor.waiting != waiting or node is None or action.get("node") != cursor.node:
        raise WidgetError("stale", _("That question has already been answered."), 409)
    return node


def _choose(bot: Bot, visitor: Visitor, action: dict, client_id: str) -> Message:
    node = _pending(bot, visitor, action, engine.WAIT_OPTIONS)
    options = dict(engine.option_list(node))
    option = action.get("option")
    if option not in options:
        raise WidgetError("stale", _("That choice is no longer available."), 409)
    message = message_post(
        visitor=visitor,
        sender=Sender.VISITOR,
        kind=MessageKind.OPTION_CHOICE,
        text=options[option],
        payload={"node": node["id"], "option": option, "label": options[option]},
        client_id=client_id,
    )
    mark_option_chosen(visitor=visitor, node=node["id"], option=option)
    flow_advance(visitor=visitor, bot=bot, event=engine.Choose(node["id"], option))
    return message


def _submit(bot: Bot, visitor: Visitor, action: dict, client_id: str) -> Message:
    node = _pending(bot, visitor, action, engine.WAIT_FORM)
    raw = action.get("values")
    values, errors = clean_submission(
        node, raw if isinstance(raw, dict) else {}, region=visitor.country
    )
    if errors:
        raise WidgetError("invalid", _("Please check the form."), 400, errors)
    fields = engine.form_fields(node)
    contact, attributes = engine.split_submission(node, values)
    for name, value in contact.items():
        setattr(visitor, name, value)
    visitor.attributes = {**(visitor.attributes or {}), **attributes}
    visitor.save(update_fields=[*contact, "attributes"])
    message = message_post(
        visitor=visitor,
        sender=Sender.VISITOR,
        kind=MessageKind.FORM_SUBMISSION,
        payload={
            "node": node["id"],
            "fields": [
                {
                    "name": f["name"],
                    "label": str(f.get("label") or f["name"]),
                    "type": f.get("type", "text"),
                    "value": values[f["name"]],
                }
                for f in fields
            ],
        },
        client_id=client_id,
    )
    publish_on_commit(
        workspace_id=visitor.workspace_id,
        event=events.FORM_SUBMITTED,
        data={"visitor": visitor.pk, "message": message.pk, "fields": message.payload["fields"]},
    )
    flow_advance(visitor=visitor, bot=bot, event=engine.Submit(node["id"], values))
    return message


def widget_typing(*, visitor: Visitor) -> None:
    """The visitor is typing: the dashboards showing them hear it (nothing is stored).

    The chat signals at most every 2.5 seconds; more than the `typing_per_visitor` rate limit
    raises a 429 WidgetError (the socket drops such signals without a word).
    """
    wait = ratelimit.hit("typing_per_visitor", str(visitor.pk))
    if wait:
        raise WidgetError(
            "rate_limited", _("Too many typing signals. Wait a moment."), 429, {}, wait
        )
    send_now(
        workspace_group(visitor.workspace_id),
        {"type": "dashboard.event", "event": events.TYPING, "data": {"visitor": visitor.pk}},
    )


def conversation_replaced(*, visitor: Visitor, shown: str, after: int) -> bool:
    """Whether the conversation a chat shows is no longer the visitor's as it was (two visitors
    merged), so the chat loads it anew: it showed another visitor's (`shown`: the id it was
    given when it opened; its token now opens this one), or the message it showed last
    (`after`) was written again."""
    try:
        if int(shown) != visitor.pk:
            return True
    except ValueError:  # none given (an older chat), or not a number
        pass
    return after > 0 and not Message.objects.filter(visitor=visitor, pk=after).exists()


def widget_history(*, visitor: Visitor, after: int = 0, limit: int = 200) -> list[dict]:
    """The messages the visitor sees, after message id `after`, oldest first."""
    visible = Message.objects.filter(visitor=visitor).visible_to_visitor().select_related("agent")
    if after:
        messages = list(visible.filter(id__gt=after).order_by("id")[:limit])
    else:  # the newest ones
        messages = list(visible.order_by("-id")[:limit])[::-1]
    return [m.widget_json() for m in messages]
