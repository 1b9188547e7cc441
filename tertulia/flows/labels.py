"""What the flow editor calls the engine's step types, form field types and comparisons, in the
member's language. The flow's JSON keeps the engine's keys (`flows.engine`)."""

from django.utils.translation import gettext_lazy as _

STEP_TYPES = {
    "start": _("Start"),
    "message": _("Message"),
    "options": _("Options"),
    "form": _("Form"),
    "notification": _("Notification"),
    "live_chat": _("Live chat"),
    "condition": _("Condition"),
    "end": _("End"),
}
FIELD_TYPES = {
    "name": _("Name"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "text": _("Text"),
    "number": _("Number"),
    "choice": _("Choice"),
}
COMPARISONS = {
    "equals": _("equals"),
    "not_equals": _("does not equal"),
    "contains": _("contains"),
    "is_set": _("has a value"),
    "is_empty": _("is empty"),
}
