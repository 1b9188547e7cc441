"""Checking a form the visitor submitted against the form node that asked for it."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from tertulia.core.limits import FORM_FIELD_MAX
from tertulia.flows.engine import form_fields


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
                try:
                    value = validate_email(value, check_deliverability=False).normalized
                except EmailNotValidError:
                    errors[name] = _("Enter a valid e-mail address, like ana@example.com.")
                    continue
            case "phone":
                try:
                    number = phonenumbers.parse(value, region or None)
                except phonenumbers.NumberParseException:
                    number = None
                if number is None or not phonenumbers.is_possible_number(number):
                    errors[name] = _("Enter a valid phone number, with its country code.")
                    continue
                value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
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
