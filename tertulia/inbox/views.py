"""The Visitors page: list with tabs and filters, the slide-over panel, the full page, status
changes and exports. Views are thin: selectors read, services write."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tertulia.accounts.decorators import manager_required, member_required
from tertulia.accounts.selectors import member_in, members_by_name
from tertulia.bulk.services import PICKED_MAX
from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.live_chat import (
    agent_typing,
    live_chat_end,
    live_chat_reply,
    live_chat_take,
)
from tertulia.conversations.notes import note_post
from tertulia.conversations.replies import saved_replies_for
from tertulia.conversations.selectors import conversation_slice, status_history
from tertulia.conversations.services import conversation_mark_read, visitor_set_status
from tertulia.core.htmx import wants_fragment
from tertulia.privacy.services import visitor_anonymise, visitor_delete
from tertulia.visitors import selectors
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.filters import PAGE_SIZES, VisitorFilters, VisitorTextFilters
from tertulia.visitors.models import Visitor


def picked_ids(values: list[str]) -> list[int] | None:
    """The visitor ids of the rows picked on the list; None if any is not an id."""
    if len(values) > PICKED_MAX or not all(
        v.isascii() and v.isdigit() and len(v) <= 18 for v in values
    ):
        return None
    return sorted({int(v) for v in values})


PANEL_TABS = {"info": gettext_lazy("Info"), "conversation": gettext_lazy("Conversation")}
HX_REFRESH_LIST = "visitors-changed"


def _visitor_or_404(request, visitor_id: int) -> Visitor:
    try:
        return selectors.visitor_get(workspace=request.member.workspace, visitor_id=visitor_id)
    except Visitor.DoesNotExist:
        raise Http404(_("No such visitor.")) from None


def _detail_context(
    request, visitor: Visitor, *, layout: str, tab: str, teammates: list | None = None
) -> dict:
    """What the panel and the full page show of one visitor (and the members it can be
    assigned to: `teammates`, when the caller has them already)."""
    tab = tab if tab in PANEL_TABS else "info"
    needs_conversation = layout == "page" or tab == "conversation"
    needs_info = layout == "page" or tab == "info"
    if needs_conversation:
        conversation_mark_read(visitor=visitor)
    return {
        "visitor": visitor,
        "layout": layout,
        "tab": tab,
        "statuses": list(VisitorStatus),
        "panel_tabs": PANEL_TABS.items(),
        "history": status_history(visitor=visitor) if needs_info else [],
        "pages": selectors.visitor_page_views(visitor=visitor) if needs_info else [],
        "conversation": conversation_slice(visitor=visitor) if needs_conversation else None,
        "saved_replies": (
            saved_replies_for(member=request.member, visitor=visitor) if needs_conversation else []
        ),
        "teammates": (
            members_by_name(workspace_id=visitor.workspace_id) if teammates is None else teammates
        ),
    }


# Where the reader is in the list: its page, and the visitor open in the panel.
PLACE = ("page", "after", "before", "start", "open", "panel")


def _without(request, names) -> QueryDict:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query


def _row_urls(request) -> dict[str, str]:
    """What every row's links share, made once per page rather than once per row: the list's
    address (the panel and the full page sit under it) and its query without the open panel,
    ending with "&" when not empty."""
    encoded = _without(request, ("open", "panel")).urlencode()
    return {"list": reverse("visitors:list"), "query": f"{encoded}&" if encoded else ""}


@require_GET
@member_required
def visitor_list(request):
    """The list. Renders the whole page, or only #results when htmx asks for it."""
    filters, errors = VisitorFilters.from_query(request.GET)
    filters = filters.seen_by(request.member.pk)
    workspace = request.member.workspace
    teammates = members_by_name(workspace_id=workspace.pk)
    page = selectors.visitor_list_page(workspace=workspace, filters=filters, members=teammates)
    context = {
        "page": page,
        "filters": page.filters,
        "errors": errors,
        "statuses": list(VisitorStatus),
        "page_sizes": PAGE_SIZES,
        "teammates": teammates,
        "row_urls": _row_urls(request),
        # What links to another tab, view, order or page start from: the list without its place.
        "list_query": _without(request, PLACE),
    }
    if wants_fragment(request, "results"):
        return render(request, "visitors/list.html#results", context)
    context["form"] = VisitorTextFilters(initial=filters.__dict__)
    context["countries"] = selectors.visitor_countries(workspace=workspace)
    open_id = request.GET.get("open", "")
    if open_id:
        if not open_id.isdigit():
            raise Http404(_("No such visitor."))
        visitor = _visitor_or_404(request, int(open_id))
        tab = request.GET.get("panel", "")
        context.update(
            _detail_context(
                request, visitor, layout="panel", tab=tab, teammates=context["teammates"]
            )
        )
    return render(request, "visitors/list.html", context)


@require_GET
@member_required
def visitor_panel(request, visitor_id: int):
    """The slide-over panel's content (htmx); a plain visit lands on the list with it open."""
    visitor = _visitor_or_404(request, visitor_id)
    tab = request.GET.get("panel", "info")
    if not request.htmx:
        query = request.GET.copy()
        query["open"] = visitor.pk
        return redirect(f"{reverse('visitors:list')}?{query.urlencode()}")
    return render(
        request, "visitors/_detail.html", _detail_context(request, visitor, layout="panel", tab=tab)
    )


@require_GET
@member_required
def visitor_detail(request, visitor_id: int):
    """The full page of one visitor."""
    visitor = _visitor_or_404(request, visitor_id)
    return render(
        request,
        "visitors/detail.html",
        _detail_context(request, visitor, layout="page", tab="info"),
    )


@require_http_methods(["GET", "POST"])
@manager_required
def visitor_delete_confirm(request, visitor_id: int):
    """Delete a visitor after confirmation: owners and admins only."""
    visitor = _visitor_or_404(request, visitor_id)
    if request.method == "POST":
        number = visitor.number
        visitor_delete(visitor=visitor, actor=request.user)
        # By number only: the message waits in the session, which must not keep personal data.
        messages.success(
            request,
            _("Visitor #%(number)s was deleted, with their conversation.") % {"number": number},
        )
        return redirect("visitors:list")
    return render(request, "visitors/confirm.html", {"visitor": visitor, "action": "delete"})


@require_http_methods(["GET", "POST"])
@manager_required
def visitor_anonymise_confirm(request, visitor_id: int):
    """Remove who the visitor is and keep the conversation, after confirmation."""
    visitor = _visitor_or_404(request, visitor_id)
    if request.method == "POST":
        visitor_anonymise(visitor=visitor, actor=request.user)
        messages.success(request, _("The visitor's personal data was removed."))
        return redirect("visitors:detail", visitor.pk)
    return render(request, "visitors/confirm.html", {"visitor": visitor, "action": "anonymise"})


@require_POST
@member_required
def visitor_status(request, visitor_id: int):
    """Change the status by hand; from the panel or the full page."""
    visitor = _visitor_or_404(request, visitor_id)
    status = request.POST.get("status", "")
    if status not in VisitorStatus.values:
        return _bad_request(_("Unknown status."))
    changed = visitor_set_status(visitor=visitor, status=status, actor=request.user)
    said = _("%(visitor)s is now %(status)s.") % {
        "visitor": visitor.display_name,
        "status": VisitorStatus(status).label,
    }
    return _detail_changed(request, visitor, changed=bool(changed), said=said)


@require_POST
@member_required
def visitor_assign_to(request, visitor_id: int):
    """Assign the conversation to a member of the workspace (`assignee`: their member id), or
    to nobody (empty); from the panel or the full page."""
    visitor = _visitor_or_404(request, visitor_id)
    choice = request.POST.get("assignee", "")
    assignee = None
    if choice:
        assignee = member_in(workspace_id=visitor.workspace_id, member_id=choice)
        if assignee is None:
            return _bad_request(_("No such member in this workspace."))
    changed = visitor_assign(visitor=visitor, assignee=assignee, actor=request.user)
    if assignee is None:
        said = _("%(visitor)s is assigned to nobody.") % {"visitor": visitor.display_name}
    else:
        said = _("%(visitor)s is assigned to %(member)s.") % {
            "visitor": visitor.display_name,
            "member": assignee.user,
        }
    return _detail_changed(request, visitor, changed=changed, said=said)


def _bad_request(text: str) -> HttpResponse:
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


def _detail_changed(request, visitor: Visitor, *, changed: bool, said: str) -> HttpResponse:
    """After a change from the panel or the full page: htmx gets the detail again (and the list
    refreshes); a plain form post goes back where it came from with `said` as a message."""
    if request.htmx:
        layout = "page" if request.POST.get("layout") == "page" else "panel"
        tab = request.GET.get("panel", "info")
        visitor = _visitor_or_404(request, visitor.pk)
        response = render(
            request,
            "visitors/_detail.html",
            _detail_context(request, visitor, layout=layout, tab=tab),
        )
        if changed:
            response["HX-Trigger"] = HX_REFRESH_LIST
        return response
    if changed:
        messages.success(request, said)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("visitors:detail", args=[visitor.pk])
    return redirect(next_url)


@require_GET
@member_required
def visitor_messages(request, visitor_id: int):
    """Older messages of a conversation, loaded on demand."""
    visitor = _visitor_or_404(request, visitor_id)
    before = request.GET.get("before", "")
    if not before.isdigit():
        return _bad_request(_("Bad message cursor."))
    return render(
        request,
        "visitors/_messages.html",
        {
            "visitor": visitor,
            "conversation": conversation_slice(visitor=visitor, before_id=int(before)),
        },
    )


def _conversation_response(
    request, visitor: Visitor, error: str = "", *, as_note: bool = False
) -> HttpResponse:
    """The conversation block again; the reply box stays in the mode it was in."""
    visitor.refresh_from_db()
    conversation_mark_read(visitor=visitor)
    context = {
        "visitor": visitor,
        "conversation": conversation_slice(visitor=visitor),
        "saved_replies": saved_replies_for(member=request.member, visitor=visitor),
        "error": error,
        "as_note": as_note,
    }
    return render(request, "visitors/_conversation.html", context)


@require_GET
@member_required
def visitor_conversation(request, visitor_id: int):
    """The conversation block, refreshed when a message arrives."""
    return _conversation_response(request, _visitor_or_404(request, visitor_id))


@require_POST
@member_required
def visitor_reply(request, visitor_id: int):
    """What a member writes in the reply box: a reply to the visitor (which takes the
    conversation over from the bot), or with `mode=note` a note for the team only."""
    visitor = _visitor_or_404(request, visitor_id)
    as_note = request.POST.get("mode") == "note"
    text = request.POST.get("text", "")
    try:
        if as_note:
            note_post(visitor=visitor, member=request.member, text=text)
        else:
            live_chat_reply(visitor=visitor, member=request.member, text=text)
    except ValidationError as error:
        response = _conversation_response(
            request, visitor, error=" ".join(error.messages), as_note=as_note
        )
        response.status_code = 400 if not request.htmx else 200
        return response
    response = _conversation_response(request, visitor, as_note=as_note)
    response["HX-Trigger"] = HX_REFRESH_LIST
    return response


@require_POST
@member_required
def visitor_live_chat(request, visitor_id: int):
    """Take the conversation from the bot, or hand it back ("End live chat")."""
    visitor = _visitor_or_404(request, visitor_id)
    if request.POST.get("action") == "end":
        live_chat_end(visitor=visitor, member=request.member)
    else:
        live_chat_take(visitor=visitor, member=request.member)
    response = _conversation_response(request, visitor)
    response["HX-Trigger"] = HX_REFRESH_LIST
    return response


@require_POST
@member_required
def visitor_typing(request, visitor_id: int):
    """The agent is typing: the visitor's widget shows it."""
    agent_typing(visitor=_visitor_or_404(request, visitor_id), agent=request.user)
    return HttpResponse(status=204)
