"""One row of the Visitors list, written in Python: the list shows up to 100 of them on every
refresh, and the same row through the template language cost most of the page's time."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
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


def _time(moment, text) -> SafeString:
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        date_format(local, "SHORT_DATETIME_FORMAT"),
        text,
    )


@register.simple_tag
def verified_mark() -> SafeString:
    """The mark of a visitor whose identity the site's backend signed (known visitors)."""
    return format_html(
        '<span class="chip chip--verified" title="{}"><span aria-hidden="true">✓</span> {}</span>',
        _("The site vouched for who this visitor is (identity verification)"),
        _("Verified"),
    )


def _name_cell(visitor, urls: dict) -> SafeString:
    name = visitor.display_name
    row_url = f"{urls['list']}?{urls['query']}open={visitor.pk}"
    query = f"?{urls['query']}" if urls["query"] else ""
    extras = []
    if visitor.identity_verified:
        extras.append(verified_mark())
    if visitor.unread:
        title = ngettext(
            "%(counter)s unread message", "%(counter)s unread messages", visitor.unread
        ) % {"counter": visitor.unread}
        extras.append(
            format_html('<span class="unread" title="{}">{}</span>', title, visitor.unread)
        )
    if visitor.live_chat == LiveChat.REQUESTED:
        extras.append(
            format_html('<span class="chip chip--waiting">{}</span>', _("Waiting for an agent"))
        )
    if visitor.is_preview:
        extras.append(
            format_html(
                '<span class="chip chip--test" title="{}">{}</span>',
                _("Started from the flow editor by a member"),
                _("Test"),
            )
        )
    if visitor.last_message_text:
        extras.append(format_html('<span class="row-preview">{}</span>', visitor.last_message_text))
    return format_html(
        '<td class="cell-name"><a class="row-link" href="{}" hx-get="{}{}/panel/{}" '
        'hx-target="#panel" hx-push-url="{}"><span class="avatar avatar--{}" aria-hidden="true">'
        '{}</span><span class="truncate{}" title="{}">{}</span></a>{}</td>',
        row_url,
        urls["list"],
        visitor.pk,
        query,
        row_url,
        visitor.status_choice.colour,
        name[:1].upper(),
        "" if visitor.name else " muted",
        name,
        name,
        format_html_join("", "{}", ((extra,) for extra in extras)),
    )


def _assignee_cell(visitor) -> SafeString:
    member = visitor.assignee
    if member is None:
        return format_html(
            '<td class="cell-assignee"><span class="cell-none" title="{}">—</span></td>',
            _("Unassigned"),
        )
    return format_html(
        '<td class="cell-assignee"><span class="avatar avatar--sm avatar--{}" title="{}">'
        '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></span></td>',
        avatar_colour(member),
        _("Assigned to %(name)s") % {"name": member.user},
        initials(member),
        member.user,
    )


def _activity_cell(visitor, waiting_view: bool) -> SafeString:
    if waiting_view and visitor.waiting_since:
        since = timezone.localtime(visitor.waiting_since)
        content = format_html(
            '<span class="chip chip--waiting" title="{} {}">{}</span>',
            _("Waiting since"),
            date_format(since, "SHORT_DATETIME_FORMAT"),
            _("waiting %(time)s") % {"time": ago(visitor.waiting_since)},
        )
    elif visitor.last_message_at:
        content = _time(visitor.last_message_at, ago(visitor.last_message_at))
    else:
        content = NONE
    return format_html('<td class="cell-activity nowrap">{}</td>', content)


def _text_cell(css: str, text: str) -> SafeString:
    if not text:
        return format_html('<td class="{}">{}</td>', css, NONE)
    return format_html(
        '<td class="{}"><span class="truncate" title="{}">{}</span></td>', css, text, text
    )


@register.simple_tag(takes_context=True)
def visitor_row(context, visitor) -> SafeString:
    """The list's row of one visitor: the same markup on every screen size (CSS turns it into
    a card on a phone)."""
    urls = context["row_urls"]
    name = visitor.display_name
    status = visitor.status_choice
    created = timezone.localtime(visitor.created_at)
    cells = [
        format_html(
            '<td class="cell-pick"><input type="checkbox" name="ids" value="{}" form="bulk-form" '
            'aria-label="{}"></td>',
            visitor.pk,
            _("Pick %(name)s") % {"name": name},
        ),
        _name_cell(visitor, urls),
        _text_cell("cell-email", visitor.email),
        format_html('<td class="cell-phone nowrap">{}</td>', phone(visitor.phone) or NONE),
        format_html(
            '<td class="cell-status"><span class="badge badge--{}">{}</span></td>',
            status.colour,
            status.label,
        ),
        _text_cell("cell-location", location(visitor)),
        _assignee_cell(visitor),
        _activity_cell(visitor, context["filters"].view == "waiting"),
        format_html(
            '<td class="cell-date nowrap"><time datetime="{}">{}</time></td>',
            created.isoformat(),
            date_format(created, "SHORT_DATETIME_FORMAT"),
        ),
        format_html(
            '<td class="cell-actions"><a class="icon-btn" href="{}{}/" title="{}" aria-label="{}">'
            "{}</a></td>",
            urls["list"],
            visitor.pk,
            _("Open full page"),
            _("Open full page of %(name)s") % {"name": name},
            EYE,
        ),
    ]
    selected = (
        ' aria-selected="true"' if str(visitor.pk) == context["request"].GET.get("open") else ""
    )
    return format_html(
        '<tr data-row data-visitor="{}"{}>{}</tr>',
        visitor.pk,
        mark_safe(selected),
        format_html_join("", "{}", ((cell,) for cell in cells)),
    )
