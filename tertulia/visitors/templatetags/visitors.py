"""Template filters for showing visitors: places, statuses, phones, languages, addresses."""

import functools
import zoneinfo
from urllib.parse import urlsplit

import phonenumbers
from babel import Locale, UnknownLocaleError
from django import template
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from tertulia.core.countries import country_name as _country_name
from tertulia.core.web import is_web_url
from tertulia.geo.location import ATTRIBUTION_URL
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.selectors import About

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """An ISO country code in the reader's language."""
    return _country_name(code)


@register.filter
def location(visitor) -> str:
    """ "City, Region, Country" with what is known; a region named like its city is said once."""
    region = "" if visitor.region.casefold() == visitor.city.casefold() else visitor.region
    parts = (visitor.city, region, _country_name(visitor.country))
    return ", ".join(part for part in parts if part)


@register.filter
def status_choice(value: str) -> VisitorStatus | None:
    """A stored status value as its choice (label, colour); None for anything else."""
    try:
        return VisitorStatus(value)
    except ValueError:
        return None


@register.filter
def phone(value: str) -> str:
    """An E.164 number in international format for reading ("+34 612 34 56 78")."""
    return _international(value) if value else ""


@functools.lru_cache(maxsize=4096)
def _international(value: str) -> str:
    # Parsing costs tens of microseconds; the list shows the same numbers on every refresh.
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def language_names(tags: str) -> str:
    """ "es-ES, en" -> "Spanish (Spain), English", in the reader's language."""
    reader = Locale.parse((translation.get_language() or "en").replace("-", "_"))
    names = []
    for tag in (t.strip() for t in (tags or "").split(",")):
        try:
            names.append(Locale.parse(tag, sep="-").get_display_name(reader) or tag)
        except (UnknownLocaleError, ValueError, TypeError):
            names.append(tag)
    return ", ".join(name for name in names if name)


@register.filter
def local_time(zone: str):
    """Now, in the visitor's time zone (None when the zone is unknown)."""
    try:
        return timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return None


@register.filter
def web_url(value: str) -> str:
    """The address when it is http(s), so it can be a link; "" for anything else."""
    return value if is_web_url(value) else ""


@register.filter
def short_url(value: str) -> str:
    """An address without its scheme, for reading: "example.com/pricing?x=1"."""
    parts = urlsplit(value or "")
    if not parts.netloc:
        return value
    return parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")


@register.simple_tag
def geo_attribution() -> str:
    """The credit the location database's licence (CC BY 4.0) asks for, wherever places show."""
    return format_html(
        '<p class="attribution"><a href="{}" rel="noopener" target="_blank">{}</a></p>',
        ATTRIBUTION_URL,
        "IP Geolocation by DB-IP",
    )


@register.filter
def or_not_known(value):
    """The value, or a muted "Not known" when there is none."""
    return value or format_html('<span class="muted">{}</span>', _("Not known"))


@register.filter
def ago(moment, now=None) -> str:
    """How long ago, as a list of conversations says it: "now", "5 min", "3 h" (today),
    "yesterday", a weekday this week, then the date. `now` (local time) when the caller has
    it already: the rows of a list share one."""
    if moment is None:
        return ""
    now = now or timezone.localtime()
    then = timezone.localtime(moment)
    seconds = max(0, (now - then).total_seconds())
    if seconds < 60:
        return _("now")
    if seconds < 3600:
        return _("%(minutes)d min") % {"minutes": seconds // 60}
    days = (now.date() - then.date()).days
    if days == 0:
        return _("%(hours)d h") % {"hours": seconds // 3600}
    if days == 1:
        return _("yesterday")
    if days < 7:
        return date_format(then, "l")
    return date_format(then, "SHORT_DATE_FORMAT")


@register.filter
def initials(member) -> str:
    """One or two letters for a member's avatar: their name's, else their e-mail's."""
    words = (member.user.name or member.user.email).split()
    return "".join(word[0] for word in words[:2]).upper()


@register.filter
def avatar_colour(member) -> str:
    """A badge colour for a member, the same on every page."""
    return ("blue", "amber", "green", "slate", "rose")[member.pk % 5]


@register.filter
def day_heading(moment) -> str:
    """A conversation's day divider: the weekday and the date in the reader's language
    ("Wednesday, Nov. 25, 2026", "miércoles, 25 de noviembre de 2026")."""
    day = timezone.localtime(moment)
    return f"{date_format(day, 'l')}, {date_format(day, 'DATE_FORMAT')}"


@register.filter
def visitor_count(count: int | None, cap: int | None = None) -> str:
    """A tab's count with the language's digit grouping; past the cap of a capped count,
    "1,000+" (the count stopped there); "≈12,000" when it was estimated (counting took too
    long), "…" when not even that."""
    if count is None:
        return "…"
    if isinstance(count, About):
        return f"≈{number_format(count, force_grouping=True)}"
    if cap is not None and count > cap:
        return f"{number_format(cap, force_grouping=True)}+"
    return number_format(count, force_grouping=True)


@register.filter
def grouped(number: int) -> str:
    """A number with the language's digit grouping: 12,000 / 12.000."""
    return number_format(int(number), force_grouping=True)


@register.filter
def visitor_count_title(count: int | None) -> str:
    """What a tab's count that was not counted means (its tooltip); "" for a counted one."""
    if count is None:
        return _("Not counted: too many to count quickly")
    if isinstance(count, About):
        return _("About %(count)s: estimated from a sample, too many to count quickly") % {
            "count": number_format(count, force_grouping=True)
        }
    return ""
