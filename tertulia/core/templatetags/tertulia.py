"""Template filters for showing visitors."""

import phonenumbers
from django import template

from tertulia.core.countries import country_name as _country_name
from tertulia.visitors.choices import VisitorStatus

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
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
