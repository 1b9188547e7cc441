"""Checking a form the visitor submitted against the form node that asked for it."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from email_validator import EmailNotValidError, validate_email

from tertulia.core.limits import FORM_FIELD_MAX
from tertulia.flows.engine import form_fields

EMAIL_INVALID = gettext_lazy("Enter a valid e-mail address, like ana@example.com.")
PHONE_INVALID = gettext_lazy("Enter a valid phone number, with its country code.")


def email_cleaned(value: str) -> str | None:
    """The address, normalised (domain in lower case), or None when it is not one."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def phone_cleaned(value: str, *, region: str = "") -> str | None:
    """The number in E.164 (+34612345678), or None when it cannot be one; without a country
    code it is read as a number of `region` (an ISO country code) when given."""
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_submission(
    node: Mapping, raw: Mapping, *, region: str = ""
) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned values and the errors by field name; nothing is kept when there are errors."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in form_fields(node):
        name = field["name"]
        value = raw.get(name, "") if isinstance(raw, Mapping) else ""
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            if field.get("required"):
                errors[name] = _("This field is required.")
            values[name] = ""
            continue
        if len(value) > FORM_FIELD_MAX:
            errors[name] = _("Please keep it under %(max)s characters.") % {"max": FORM_FIELD_MAX}
            continue
        match field.get("type"):
            case "email":
                value = email_cleaned(value)
                if value is None:
                    errors[name] = str(EMAIL_INVALID)
                    continue
            case "phone":
                value = phone_cleaned(value, region=region)
                if value is None:
                    errors[name] = str(PHONE_INVALID)
                    continue
            case "number":
                try:
                    number = Decimal(value.replace(",", "."))
                except InvalidOperation:
                    number = None
                if number is None or not number.is_finite():
                    errors[name] = _("Enter a number.")
                    continue
                value = str(number)
            case "choice":
                if value not in [str(c) for c in field.get("choices") or []]:
                    errors[name] = _("Pick one of the choices.")
                    continue
        values[name] = value
    return (values, errors) if not errors else ({}, errors)
