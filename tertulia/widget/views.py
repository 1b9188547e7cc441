"""The widget's public side: the loader script, the chat page inside the iframe, a plain-HTTP
fallback for when WebSocket is blocked."""

import json
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tertulia.conversations.flow_runner import widget_state
from tertulia.conversations.services import MAX_TEXT
from tertulia.core.colour import readable_accent
from tertulia.core.net import request_ip
from tertulia.flows.models import Bot
from tertulia.widget.services import (
    WidgetError,
    bot_for_key,
    chat_language,
    visitor_for_token,
    widget_act,
    widget_history,
    widget_open,
    widget_page,
    widget_typing,
)

LOADER = Path(settings.PACKAGE_DIR) / "static" / "widget" / "loader.js"
MAX_BODY = 64 * 1024
TOKEN_HEADER = "HTTP_X_TERTULIA_TOKEN"  # noqa: S105 (a header name)


@cache
def _loader_source() -> bytes:
    return LOADER.read_bytes()


@require_GET
@cache_control(public=True, max_age=300)
def loader(request):
    """`<script src=".../widget.js" data-bot="KEY" async>`: the launcher button and the iframe."""
    return HttpResponse(_loader_source(), content_type="text/javascript; charset=utf-8")


def widget_language(bot: Bot, request) -> str:
    """The chat's language: the loader passes the browser's as `lang`, else Accept-Language."""
    asked = request.GET.get("lang", "") or translation.get_language_from_request(request)
    return chat_language(bot, asked)


def widget_strings() -> dict:
    """The words the chat script shows, in the active language."""
    return {
        "you": _("You"),
        "sending": _("Sending…"),
        "queued": _("Not sent yet: it will be sent when you are back online."),
        "failed": _("Not sent."),
        "reconnecting": _("Reconnecting…"),
        "typing": _("%(name)s is typing…"),
        "someone": _("Someone"),
        "required": _("This field is required."),
        "email": _("Enter a valid e-mail address, like ana@example.com."),
        "phone": _("Enter a valid phone number, with its country code."),
        "number": _("Enter a number."),
        "optional": _("optional"),
        "choose": _("Choose…"),
        "send": _("Send"),
        "sent_form": _("Sent"),
        "too_long": _("Messages can be up to %(max)s characters long.") % {"max": MAX_TEXT},
        "unavailable": _("The chat is not available right now. Please try again later."),
        "agent_joined": _("%(name)s joined the chat"),
    }


def own_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _bot(key: str) -> Bot:
    bot = bot_for_key(key)
    if bot is None:
        raise Http404("Unknown bot")
    return bot


@require_GET
def look(request, key):
    """The launcher's colour, side and names, for the loader on any site (CORS open). The button's
    names are in the host page's language, which the loader passes as `lang`."""
    bot = _bot(key)
    title = bot.title or "Chat"
    try:
        page_language = translation.get_supported_language_variant(
            request.GET.get("lang", "") or translation.get_language_from_request(request)
        )
    except LookupError:
        page_language = settings.LANGUAGE_CODE
    with translation.override(page_language):
        open_label = _("Open chat: %(title)s") % {"title": title}
        close_label = _("Close chat: %(title)s") % {"title": title}
    response = JsonResponse(
        {
            "colour": readable_accent(bot.colour),
            "position": bot.position,
            "title": title,
            "open_label": open_label,
            "close_label": close_label,
            "lang": bot.language,
        }
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=60"
    response["Vary"] = "Accept-Language"
    return response


@xframe_options_exempt
@require_GET
def frame(request, key):
    """The chat inside the iframe: our page, so neither site's CSS reaches the other."""
    bot = _bot(key)
    language = widget_language(bot, request)
    with translation.override(language):
        response = render(
            request,
            "widget/frame.html",
            {
                "bot": bot,
                "language": language,
                "config": {
                    "key": bot.public_key,
                    "lang": language,
                    "colour": readable_accent(bot.colour),
                    "origin": request.GET.get("origin", "")[:200],
                    "url": request.GET.get("url", "")[:2000],
                    "referrer": request.GET.get("ref", "")[:2000],
                    "title": request.GET.get("title", "")[:200],
                    "resume": request.GET.get("resume") == "1",
                    "strings": widget_strings(),
                },
            },
        )
    ancestors = ["'self'", *bot.allowed_origins] if bot.allowed_origins else ["*"]
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ancestors}
    return response


def widget_api(view):
    """JSON in and out, the bot from the URL, errors as a clear 4xx in the widget's language."""

    @csrf_exempt  # no cookies: the visitor is known by the token the widget sends
    @wraps(view)
    def wrapped(request, key):
        bot = bot_for_key(key)
        if bot is None:
            return JsonResponse(
                {"error": "unknown_bot", "message": _("This chat is not available.")}, status=404
            )
        with translation.override(widget_language(bot, request)):
            try:
                if request.method == "POST":
                    if len(request.body) > MAX_BODY:
                        raise WidgetError("too_large", _("Request too large."), 413)
                    try:
                        data = json.loads(request.body or b"{}")
                    except (ValueError, UnicodeDecodeError):
                        data = None
                    if not isinstance(data, dict):
                        raise WidgetError("bad_request", _("Send a JSON object."), 400)
                else:
                    data = {}
                return view(request, bot, data)
            except WidgetError as error:
                response = JsonResponse(
                    {"error": error.code, "message": error.message, "fields": error.fields},
                    status=error.status,
                )
                if error.retry_after:
                    response["Retry-After"] = str(error.retry_after)
                return response

    return wrapped


def _visitor(request, bot):
    visitor = visitor_for_token(bot=bot, token=request.META.get(TOKEN_HEADER, ""))
    if visitor is None:
        raise WidgetError("unknown_visitor", _("Reload the page to chat again."), 401)
    return visitor


@require_POST
@widget_api
def api_open(request, bot, data):
    """Open the chat: the visitor this browser is (by its token) or a new one."""
    origin = data.get("origin") if isinstance(data.get("origin"), str) else ""
    if origin and origin != own_origin(request) and not bot.origin_allowed(origin):
        raise WidgetError("origin", _("This site may not use this chat."), 403)
    page = data.get("page") if isinstance(data.get("page"), dict) else {}
    token = data.get("token") if isinstance(data.get("token"), str) else ""
    visitor, token = widget_open(
        bot=bot,
        token=token,
        resume_only=data.get("resume") is True,
        page=page,
        ip=request_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return JsonResponse(
        {
            "token": token,
            "visitor": {"id": visitor.pk, "number": visitor.number},
            "state": widget_state(visitor),
            "messages": widget_history(visitor=visitor),
        }
    )


@require_POST
@widget_api
def api_send(request, bot, data):
    visitor = _visitor(request, bot)
    message = widget_act(bot=bot, visitor=visitor, action=data, ip=request_ip(request))
    return JsonResponse({"ok": True, "message": message.widget_json()})


@require_GET
@widget_api
def api_messages(request, bot, data):
    """For the fallback's polling: the messages after `after`, and the state."""
    visitor = _visitor(request, bot)
    try:
        after = max(int(request.GET.get("after", "0")), 0)
    except ValueError:
        after = 0
    visitor.refresh_from_db(fields=["flow_cursor", "live_chat"])
    return JsonResponse(
        {"messages": widget_history(visitor=visitor, after=after), "state": widget_state(visitor)}
    )


@require_POST
@widget_api
def api_typing(request, bot, data):
    widget_typing(visitor=_visitor(request, bot))
    return HttpResponse(status=204)


@require_POST
@widget_api
def api_page(request, bot, data):
    """The visitor went to another page of the site (the fallback's way to say it)."""
    widget_page(visitor=_visitor(request, bot), page=data)
    return HttpResponse(status=204)
