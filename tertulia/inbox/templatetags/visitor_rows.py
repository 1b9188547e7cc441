"""One row of the Visitors list, written in Python: the list shows up to 100 of them on every
refresh, and the same row through the template language cost most of the page's time."""

import functools
import html

from django import template
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from tertulia.visitors.choices import LiveChat, VisitorStatus
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


@register.simple_tag
def verified_mark() -> SafeString:
    """The mark of a visitor whose identity the site's backend signed (known visitors)."""
    title = _("The site vouched for who this visitor is (identity verification)")
    label = _("Verified")
    return mark_safe(
        f'<span class="chip chip--verified" title="{e(title)}">'
        f'<span aria-hidden="true">✓</span> {e(label)}</span>'
    )


class _RowKit:
    """What the rows of one list share, made once per list instead of once per row: the
    translated words and the date formats of the reader's language, the time now, the list's
    links. A row costs a few dozen microseconds, and a page shows up to 100 of them."""

    def __init__(self, context):
        self.urls = context["row_urls"]
        self.open_id = context["request"].GET.get("open")
        self.waiting_view = context["filters"].view == "waiting"
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now().astimezone(self.zone)
        self.language = get_language()
        self.date = get_format("SHORT_DATE_FORMAT")
        self.date_time = get_format("SHORT_DATETIME_FORMAT")
        # Translated outside the f-strings: `makemessages` does not read into f-strings.
        self.pick = _("Pick %(name)s")
        self.open_title = e(_("Open full page"))
        self.open_label = _("Open full page of %(name)s")
        self.assigned = _("Assigned to %(name)s")
        self.waiting = _("Waiting since")
        self.waiting_for = _("waiting %(time)s")
        unassigned, waiting = e(_("Unassigned")), e(_("Waiting for an agent"))
        test_title, test = e(_("Started from the flow editor by a member")), e(_("Test"))
        self.unassigned = (
            f'<td class="cell-assignee"><span class="cell-none" title="{unassigned}">—</span></td>'
        )
        self.verified = verified_mark()
        self.waiting_chip = f'<span class="chip chip--waiting">{waiting}</span>'
        self.test_chip = f'<span class="chip chip--test" title="{test_title}">{test}</span>'
        self.badges = {
            status.value: f'<span class="badge badge--{status.colour}">{e(status.label)}</span>'
            for status in VisitorStatus
        }

    def format(self, local, fmt: str) -> str:
        """A local date and time in one of the language's formats."""
        return _formatted(local, str(local.tzinfo), fmt, self.language)

    def time(self, moment, text: str) -> str:
        """`text` in a <time> element, the full local date and time in its title."""
        local = moment.astimezone(self.zone)
        return (
            f'<time datetime="{local.isoformat()}" '
            f'title="{e(self.format(local, self.date_time))}">{e(text)}</time>'
        )


@functools.lru_cache(maxsize=8192)
def _formatted(local, zone: str, fmt: str, language: str) -> str:
    # Django's formatter costs 10-20 microseconds a date and a row shows three, and the list
    # shows the same rows on every refresh. The zone is in the key: aware times are equal when
    # they are the same instant, whatever their zone.
    return dateformat.format(local, fmt)


def _kit(context) -> _RowKit:
    kit = context.render_context.get(_RowKit)
    if kit is None:
        kit = context.render_context[_RowKit] = _RowKit(context)
    return kit


def _name_cell(visitor, kit: _RowKit) -> str:
    urls = kit.urls
    name = e(visitor.display_name)
    row_url = e(f"{urls['list']}?{urls['query']}open={visitor.pk}")
    query = e(f"?{urls['query']}" if urls["query"] else "")
    extras = ""
    if visitor.identity_verified:
        extras += kit.verified
    if visitor.unread:
        title = ngettext(
            "%(counter)s unread message", "%(counter)s unread messages", visitor.unread
        ) % {"counter": visitor.unread}
        extras += f'<span class="unread" title="{e(title)}">{visitor.unread}</span>'
    if visitor.live_chat == LiveChat.REQUESTED:
        extras += kit.waiting_chip
    if visitor.is_preview:
        extras += kit.test_chip
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


def _assignee_cell(visitor, kit: _RowKit) -> str:
    member = visitor.assignee
    if member is None:
        return kit.unassigned
    title = kit.assigned % {"name": member.user}
    return (
        f'<td class="cell-assignee"><span class="avatar avatar--sm avatar--{avatar_colour(member)}"'
        f' title="{e(title)}"><span aria-hidden="true">{e(initials(member))}</span>'
        f'<span class="visually-hidden">{e(member.user)}</span></span></td>'
    )


def _activity_cell(visitor, kit: _RowKit) -> str:
    if kit.waiting_view and visitor.waiting_since:
        since = visitor.waiting_since.astimezone(kit.zone)
        title = f"{kit.waiting} {kit.format(since, kit.date_time)}"
        label = kit.waiting_for % {"time": ago(visitor.waiting_since, kit.now)}
        content = f'<span class="chip chip--waiting" title="{e(title)}">{e(label)}</span>'
    elif visitor.last_message_at:
        content = kit.time(visitor.last_message_at, ago(visitor.last_message_at, kit.now))
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
    kit = _kit(context)
    name = visitor.display_name
    created = visitor.created_at.astimezone(kit.zone)
    selected = ' aria-selected="true"' if str(visitor.pk) == kit.open_id else ""
    return mark_safe(
        f'<tr data-row data-visitor="{visitor.pk}"{selected}>'
        f'<td class="cell-pick"><input type="checkbox" name="ids" value="{visitor.pk}" '
        f'form="bulk-form" aria-label="{e(kit.pick % {"name": name})}"></td>'
        f"{_name_cell(visitor, kit)}"
        f"{_text_cell('cell-email', visitor.email)}"
        f'<td class="cell-phone nowrap">{e(phone(visitor.phone)) or NONE}</td>'
        f'<td class="cell-status">{kit.badges[visitor.status]}</td>'
        f"{_text_cell('cell-location', location(visitor))}"
        f"{_assignee_cell(visitor, kit)}"
        f"{_activity_cell(visitor, kit)}"
        f'<td class="cell-date nowrap">{kit.time(created, kit.format(created, kit.date))}'
        "</td>"
        f'<td class="cell-actions"><a class="icon-btn" href="{e(kit.urls["list"])}{visitor.pk}/" '
        f'title="{kit.open_title}" aria-label="{e(kit.open_label % {"name": name})}">{EYE}</a></td>'
        "</tr>"
    )
