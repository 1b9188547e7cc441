"""The widget's public side: the loader script, the chat page inside the iframe, a plain-HTTP
fallback for when WebSocket is blocked."""

import json
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from tertulia.conversations.flow_runner import widget_state
from tertulia.conversations.follow_up import (
    follow_up_stop,
    may_email,
    transcript_email,
    visitor_for_stop_token,
)
from tertulia.core import limits
from tertulia.core.colour import readable_accent
from tertulia.core.compression import Precompressed
from tertulia.core.languages import supported_language
from tertulia.core.net import request_ip
from tertulia.core.untrusted import BadJSON, parse_json
from tertulia.flows.models import Bot
from tertulia.flows.preview import is_preview_pass
from tertulia.realtime import events
from tertulia.widget.services import (
    WidgetError,
    bot_for_key,
    chat_language,
    conversation_replaced,
    visitor_for_token,
    widget_action_apply,
    widget_history,
    widget_open,
    widget_page,
    widget_typing,
)

LOADER = Path(settings.PACKAGE_DIR) / "static" / "widget" / "loader.js"
LOADER_CSS = LOADER.with_name("loader.css")
LOADER_CSS_PATH = b'"/static/widget/loader.css"'  # as loader.js writes it
TOKEN_HEADER = "HTTP_X_TERTULIA_TOKEN"  # noqa: S105 (a header name)


@cache
def _loader_body(css_url: str) -> Precompressed:
    """loader.js pointing at loader.css by its hashed name, compressed once per process."""
    source = LOADER.read_bytes()
    if source.count(LOADER_CSS_PATH) != 1:
        raise RuntimeError(f"loader.js must name {LOADER_CSS_PATH.decode()} exactly once")
    return Precompressed.of(
        source.replace(LOADER_CSS_PATH, json.dumps(css_url).encode()),
        last_modified=max(LOADER.stat().st_mtime, LOADER_CSS.stat().st_mtime),
    )


@require_GET
@cache_control(public=True, max_age=300)
def loader(request):
    """`<script src=".../widget.js" data-bot="KEY" async>`: the launcher button and the iframe.
    Site owners paste this address, so it never changes: browsers keep the script five minutes,
    then revalidate it (ETag, 304). Brotli or gzip by Accept-Encoding."""
    return _loader_body(static("widget/loader.css")).response(
        request, content_type="text/javascript; charset=utf-8"
    )


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
        "too_long": _("Messages can be up to %(max)s characters long.")
        % {"max": limits.MESSAGE_MAX},
        "unavailable": _("The chat is not available right now. Please try again later."),
        "agent_joined": _("%(name)s joined the chat"),
        "away": _("Away: we'll reply as soon as we're back"),
        "transcript_sent": _("Sent. Check your inbox."),
    }


def own_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _bot(key: str) -> Bot:
    bot = bot_for_key(key)
    if bot is None:
        raise Http404("Unknown bot")
    return bot


@gzip_page
@require_GET
def look(request, key):
    """The launcher's colour, side and names, for the loader on any site (CORS open). The button's
    names are in the host page's language, which the loader passes as `lang`."""
    bot = bot_for_key(key)
    if bot is None:
        response = JsonResponse(
            {"error": "unknown_bot", "message": _("This chat is not available.")}, status=404
        )
        response["Access-Control-Allow-Origin"] = "*"
        return response
    title = bot.title or "Chat"
    asked = request.GET.get("lang", "") or translation.get_language_from_request(request)
    with translation.override(supported_language(asked)):
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
            "messages": events.for_loader(),
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
    preview = request.GET.get("preview", "")
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
                    # Who "is typing…" when the bot takes its time.
                    "bot_name": bot.title or "Chat",
                    # The host page the chat was opened on.
                    "page": {
                        "url": request.GET.get("url", "")[: limits.PAGE_URL_MAX],
                        "referrer": request.GET.get("ref", "")[: limits.PAGE_URL_MAX],
                        "title": request.GET.get("title", "")[: limits.PAGE_TITLE_MAX],
                    },
                    "resume": request.GET.get("resume") == "1",
                    # The site asked for a new conversation (`restart`) before the chat loaded.
                    "restart": request.GET.get("restart") == "1",
                    # The flow editor's "Try it": its pass, handed back when the chat starts.
                    "preview": preview if is_preview_pass(bot, preview) else "",
                    "strings": widget_strings(),
                    "limits": limits.as_dict(),
                    "protocol": events.for_chat(),
                },
            },
        )
    ancestors = ["'self'", *bot.allowed_origins] if bot.allowed_origins else ["*"]
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ancestors}
    return response


def widget_api(method: str):
    """JSON in and out, for `method` requests only, the bot from the URL: every refusal is a
    clear 4xx with an error code and a message in the widget's language."""

    def decorate(view):
        @csrf_exempt  # no cookies: the visitor is known by the token the widget sends
        @wraps(view)
        def wrapped(request, key):
            bot = bot_for_key(key)
            language = widget_language(bot, request) if bot else translation.get_language()
            with translation.override(language):
                try:
                    if request.method != method:
                        raise WidgetError(
                            "method_not_allowed",
                            _("This address only answers %(method)s requests.")
                            % {"method": method},
                            405,
                        )
                    if bot is None:
                        raise WidgetError("unknown_bot", _("This chat is not available."), 404)
                    return view(request, bot, _json_object(request) if method == "POST" else {})
                except WidgetError as error:
                    response = JsonResponse(
                        {"error": error.code, "message": error.message, "fields": error.fields},
                        status=error.status,
                    )
                    if error.status == 405:
                        response["Allow"] = method
                    if error.retry_after:
                        response["Retry-After"] = str(error.retry_after)
                    return response

        return wrapped

    return decorate


def _json_object(request) -> dict:
    """The request's body: a JSON object of at most REQUEST_BODY_MAX bytes, its text storable
    (core.untrusted). A longer body is not read: Django's own limit, far above ours, would
    answer with an HTML page."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = WidgetError("too_large", _("Request too large."), 413)
    if declared > limits.REQUEST_BODY_MAX:
        raise too_large
    raw = request.read(limits.REQUEST_BODY_MAX + 1)
    if len(raw) > limits.REQUEST_BODY_MAX:
        raise too_large
    try:
        data = parse_json(raw or b"{}")
    except BadJSON:
        data = None
    if not isinstance(data, dict):
        raise WidgetError("bad_request", _("Send a JSON object."), 400)
    return data


def _optional(data: dict, name: str, kind: type, default):
    """`data[name]` when it is a `kind`, `default` when absent or null; else a bad request."""
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise WidgetError(
            "bad_request", _("“%(name)s” does not have the right type.") % {"name": name}, 400
        )
    return value


def _visitor(request, bot):
    visitor = visitor_for_token(bot=bot, token=request.META.get(TOKEN_HEADER, ""))
    if visitor is None:
        raise WidgetError("unknown_visitor", _("Reload the page to chat again."), 401)
    return visitor


@gzip_page
@widget_api("POST")
def api_open(request, bot, data):
    """Open the chat: the visitor this browser is (by its token) or a new one; with what the
    site told of them (`identity`, `params`), when it did."""
    # No origin: the chat page was opened on its own, at our own address.
    origin = _optional(data, "origin", str, "")
    if origin and origin != own_origin(request) and not bot.origin_allowed(origin):
        raise WidgetError("origin", _("This site may not use this chat."), 403)
    # The page report is best effort: what is not right in it is dropped (services.widget_open).
    page = data.get("page") if isinstance(data.get("page"), dict) else {}
    opened = widget_open(
        bot=bot,
        token=_optional(data, "token", str, ""),
        resume_only=_optional(data, "resume", bool, False),
        preview=is_preview_pass(bot, data.get("preview")),
        page=page,
        ip=request_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        identity=data.get("identity"),
        params=data.get("params"),
    )
    visitor = opened.visitor
    return JsonResponse(
        {
            "token": opened.token,
            "visitor": {"id": visitor.pk, "number": visitor.number},
            "identity": {"status": opened.identity, "problems": opened.problems},
            "state": widget_state(visitor),
            "messages": widget_history(visitor=visitor),
        }
    )


@gzip_page
@widget_api("POST")
def api_send(request, bot, data):
    visitor = _visitor(request, bot)
    message = widget_action_apply(bot=bot, visitor=visitor, action=data, ip=request_ip(request))
    return JsonResponse({"ok": True, "message": message.widget_json()})


@gzip_page
@widget_api("GET")
def api_messages(request, bot, data):
    """For the fallback's polling: the messages after `after`, and the state; `{"reload": true}`
    when the conversation was replaced since (the socket's `reload` frame)."""
    visitor = _visitor(request, bot)
    try:
        after = max(int(request.GET.get("after", "0")), 0)
    except ValueError:
        after = 0
    if conversation_replaced(visitor=visitor, shown=request.GET.get("visitor", ""), after=after):
        return JsonResponse({"reload": True})
    visitor.refresh_from_db(fields=["flow_cursor", "live_chat"])
    return JsonResponse(
        {"messages": widget_history(visitor=visitor, after=after), "state": widget_state(visitor)}
    )


@widget_api("POST")
def api_transcript(request, bot, data):
    """The visitor asks for this conversation by e-mail (to the address they gave)."""
    visitor = _visitor(request, bot)
    if not may_email(visitor):
        raise WidgetError("no_email", _("We have no e-mail address to send it to."), 409)
    if not transcript_email(visitor=visitor):
        raise WidgetError("rate_limited", _("Too many e-mails for now. Try again later."), 429)
    return JsonResponse({"ok": True})


@widget_api("POST")
def api_typing(request, bot, data):
    widget_typing(visitor=_visitor(request, bot))
    return HttpResponse(status=204)


@widget_api("POST")
def api_page(request, bot, data):
    """The visitor went to another page of the site (the fallback's way to say it)."""
    widget_page(visitor=_visitor(request, bot), page=data)
    return HttpResponse(status=204)


@require_GET
@never_cache
def stop_emails(request, token: str):
    """The one-click "stop e-mails about this chat" link of a follow-up e-mail: it stops them at
    once and says so, in the chat's language. A broken or unknown link says that instead."""
    visitor = visitor_for_stop_token(token)
    if visitor is not None:
        follow_up_stop(visitor=visitor)
    language = (
        visitor.chat_language
        if visitor is not None
        else supported_language(request.headers.get("Accept-Language", ""))
    )
    with translation.override(language):
        return render(
            request,
            "widget/stop_emails.html",
            {"stopped": visitor is not None},
            status=200 if visitor is not None else 404,
        )
