"""One row of the Visitors list, written in Python: the list shows up to 100 of them on every
refresh, and the same row through the template language cost most of the page's time."""

import html

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tertulia.visitors.choices import LiveChat
from tertulia.visitors.templatetags.visitors import ago, avatar_colour, initials, location, phone

register = template.Library()

NONE = mark_safe('<span class="cell-none">—</span>')
EYE = mark_safe(
    '<svg class="icon" aria-hidden="true" viewBox="0 0 20 20"><path d="M1.5 10s3-6 8.5-6 8.5 6 '
    '8.5 6-3 6-8.5 6-8.5-6-8.5-6z"/><circle cx="10" cy="10" r="2.5"/></svg>'
)


def e(value) -> str:
    """Text made safe for HTML, as Django's `escape` (the same five characters), without its
    lazy-string and SafeString wrapping: a list of 100 rows calls it thousands of times."""
    return html.escape(str(value), quote=True)


def _time(moment, text: str) -> str:
    local = timezone.localtime(moment)
    return (
        f'<time datetime="{local.isoformat()}" '
        f'title="{e(date_format(local, "SHORT_DATETIME_FORMAT"))}">{e(text)}</time>'
    )


@register.simple_tag
def verified_mark() -> SafeString:
    """The mark of a visitor whose identity the site's backend signed (known visitors)."""
    title = _("The site vouched for who this visitor is (identity verification)")
    label = _("Verified")
    return mark_safe(
        f'<span class="chip chip--verified" title="{e(title)}">'
        f'<span aria-hidden="true">✓</span> {e(label)}</span>'
    )


def _name_cell(visitor, urls: dict) -> str:
    name = e(visitor.display_name)
    row_url = e(f"{urls['list']}?{urls['query']}open={visitor.pk}")
    query = e(f"?{urls['query']}" if urls["query"] else "")
    extras = ""
    if visitor.identity_verified:
        extras += verified_mark()
    if visitor.unread:
        title = ngettext(
            "%(counter)s unread message", "%(counter)s unread messages", visitor.unread
        ) % {"counter": visitor.unread}
        extras += f'<span class="unread" title="{e(title)}">{visitor.unread}</span>'
    if visitor.live_chat == LiveChat.REQUESTED:
        waiting = _("Waiting for an agent")
        extras += f'<span class="chip chip--waiting">{e(waiting)}</span>'
    if visitor.is_preview:
        title, label = _("Started from the flow editor by a member"), _("Test")
        extras += f'<span class="chip chip--test" title="{e(title)}">{e(label)}</span>'
    if visitor.last_message_text:
        extras += f'<span class="row-preview">{e(visitor.last_message_text)}</span>'
    return (
        f'<td class="cell-name"><a class="row-link" href="{row_url}" '
        f'hx-get="{e(urls["list"])}{visitor.pk}/panel/{query}" hx-target="#panel" '
        f'hx-push-url="{row_url}"><span class="avatar avatar--{visitor.status_choice.colour}" '
        f'aria-hidden="true">{e(visitor.display_name[:1].upper())}</span>'
        f'<span class="truncate{"" if visitor.name else " muted"}" title="{name}">{name}</span>'
        f"</a>{extras}</td>"
    )


def _assignee_cell(visitor) -> str:
    member = visitor.assignee
    if member is None:
        title = _("Unassigned")
        return f'<td class="cell-assignee"><span class="cell-none" title="{e(title)}">—</span></td>'
    title = _("Assigned to %(name)s") % {"name": member.user}
    return (
        f'<td class="cell-assignee"><span class="avatar avatar--sm avatar--{avatar_colour(member)}"'
        f' title="{e(title)}"><span aria-hidden="true">{e(initials(member))}</span>'
        f'<span class="visually-hidden">{e(member.user)}</span></span></td>'
    )


def _activity_cell(visitor, waiting_view: bool) -> str:
    if waiting_view and visitor.waiting_since:
        since = timezone.localtime(visitor.waiting_since)
        title = _("Waiting since") + " " + date_format(since, "SHORT_DATETIME_FORMAT")
        label = _("waiting %(time)s") % {"time": ago(visitor.waiting_since)}
        content = f'<span class="chip chip--waiting" title="{e(title)}">{e(label)}</span>'
    elif visitor.last_message_at:
        content = _time(visitor.last_message_at, ago(visitor.last_message_at))
    else:
        content = NONE
    return f'<td class="cell-activity nowrap">{content}</td>'


def _text_cell(css: str, text: str) -> str:
    if not text:
        return f'<td class="{css}">{NONE}</td>'
    return f'<td class="{css}"><span class="truncate" title="{e(text)}">{e(text)}</span></td>'


@register.simple_tag(takes_context=True)
def visitor_row(context, visitor) -> SafeString:
    """The list's row of one visitor: the same markup on every screen size (CSS turns it into
    a card on a phone). Every value is escaped with `e` where it is written."""
    urls = context["row_urls"]
    name = visitor.display_name
    status = visitor.status_choice
    created = timezone.localtime(visitor.created_at)
    selected = (
        ' aria-selected="true"' if str(visitor.pk) == context["request"].GET.get("open") else ""
    )
    # Translated outside the f-string: `makemessages` does not read into f-strings.
    pick = _("Pick %(name)s") % {"name": name}
    open_title = _("Open full page")
    open_label = _("Open full page of %(name)s") % {"name": name}
    return mark_safe(
        f'<tr data-row data-visitor="{visitor.pk}"{selected}>'
        f'<td class="cell-pick"><input type="checkbox" name="ids" value="{visitor.pk}" '
        f'form="bulk-form" aria-label="{e(pick)}"></td>'
        f"{_name_cell(visitor, urls)}"
        f"{_text_cell('cell-email', visitor.email)}"
        f'<td class="cell-phone nowrap">{e(phone(visitor.phone)) or NONE}</td>'
        f'<td class="cell-status"><span class="badge badge--{status.colour}">'
        f"{e(status.label)}</span></td>"
        f"{_text_cell('cell-location', location(visitor))}"
        f"{_assignee_cell(visitor)}"
        f"{_activity_cell(visitor, context['filters'].view == 'waiting')}"
        f'<td class="cell-date nowrap">{_time(created, date_format(created, "SHORT_DATE_FORMAT"))}'
        "</td>"
        f'<td class="cell-actions"><a class="icon-btn" href="{e(urls["list"])}{visitor.pk}/" '
        f'title="{e(open_title)}" aria-label="{e(open_label)}">{EYE}</a></td>'
        "</tr>"
    )
