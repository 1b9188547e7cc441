"""Forms of the bot pages: the widget's look and allowed sites, and importing a flow."""

import datetime as dt
import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tertulia.core.colour import readable_accent
from tertulia.core.web import is_site_origin
from tertulia.flows.models import Bot

MAX_FLOW_BYTES = 256 * 1024


def parse_origins(text: str) -> list[str]:
    """One site per line, as https://example.com (scheme, host, optional port); errors named."""
    origins, bad = [], []
    for line in (text or "").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        if not is_site_origin(line):
            bad.append(line)
        elif line.lower() not in origins:
            origins.append(line.lower())
    if bad:
        raise forms.ValidationError(
            _("Not a site address: %(values)s. Write them like https://www.example.com"),
            params={"values": ", ".join(bad)},
        )
    return origins


class BotForm(forms.ModelForm):
    allowed_origins_text = forms.CharField(
        label=gettext_lazy("Allowed sites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.com"}),
        help_text=gettext_lazy(
            "One per line. The widget only opens on these sites; leave empty to allow any site."
        ),
    )

    class Meta:
        model = Bot
        fields = ["name", "title", "greeting", "avatar", "colour", "position", "language"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allowed_origins_text"].initial = "\n".join(self.instance.allowed_origins or [])
        self._explain_a_darker_colour()

    def _explain_a_darker_colour(self):
        """Say under the colour field when the widget will show the colour darker, so that white
        text on it stays readable."""
        field = self.fields["colour"]
        colour = self.get_initial_for_field(field, "colour")
        if self.is_bound:  # what is being submitted (a BoundField made here would keep no help)
            colour = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix("colour")
            )
        try:
            shown = readable_accent(colour)
        except (TypeError, ValueError):
            return  # not a colour (yet): the field's own check says so
        if shown != colour.lower():
            field.help_text = _(
                "White text is hard to read on this colour, so the widget shows it darker: "
                "%(shown)s."
            ) % {"shown": shown}

    def clean_allowed_origins_text(self):
        return parse_origins(self.cleaned_data["allowed_origins_text"])

    def save(self, commit=True):
        self.instance.allowed_origins = self.cleaned_data["allowed_origins_text"]
        return super().save(commit=commit)


class FlowImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Flow file (.json)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FLOW_BYTES:
            raise forms.ValidationError(_("The file is too large for a flow (256 KB at most)."))
        try:
            flow = json.loads(upload.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise forms.ValidationError(_("This file is not JSON.")) from None
        if not isinstance(flow, dict) or not isinstance(flow.get("nodes"), list):
            raise forms.ValidationError(_("This JSON is not a flow: it has no list of nodes."))
        return flow


WEEKDAYS = (
    pgettext_lazy("office hours", "Monday"),
    pgettext_lazy("office hours", "Tuesday"),
    pgettext_lazy("office hours", "Wednesday"),
    pgettext_lazy("office hours", "Thursday"),
    pgettext_lazy("office hours", "Friday"),
    pgettext_lazy("office hours", "Saturday"),
    pgettext_lazy("office hours", "Sunday"),
)


def _time_input(label: str) -> forms.TimeInput:
    """A time box named for screen readers (the table's headers are its visible label)."""
    return forms.TimeInput(attrs={"type": "time", "aria-label": label}, format="%H:%M")


class OfficeHoursForm(forms.Form):
    """A bot's office hours: on or off, one opening per weekday, and holidays (`flows.hours`)."""

    hours_on = forms.BooleanField(label=gettext_lazy("Use office hours"), required=False)
    holidays = forms.CharField(
        label=gettext_lazy("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-12-25"}),
        help_text=gettext_lazy("One date per line (year-month-day): closed all day."),
    )

    def __init__(self, *args, bot: Bot, **kwargs):
        hours = bot.hours or {}
        days = hours.get("days") or {}
        initial = {"hours_on": bot.hours_on, "holidays": "\n".join(hours.get("holidays") or [])}
        for day in range(7):
            span = days.get(str(day)) or [None, None]
            initial[f"opens_{day}"], initial[f"closes_{day}"] = span
        super().__init__(*args, initial=initial, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            for key, label in (
                ("opens", _("%(day)s opens") % {"day": name}),
                ("closes", _("%(day)s closes") % {"day": name}),
            ):
                self.fields[f"{key}_{day}"] = forms.TimeField(
                    label=label, required=False, widget=_time_input(label)
                )

    @property
    def days(self):
        """(name, opens field, closes field) per weekday, for the template's table."""
        return [(name, self[f"opens_{d}"], self[f"closes_{d}"]) for d, name in enumerate(WEEKDAYS)]

    def clean_holidays(self) -> list[str]:
        dates, bad = [], []
        for line in self.cleaned_data["holidays"].splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                dates.append(dt.date.fromisoformat(line).isoformat())
            except ValueError:
                bad.append(line)
        if bad:
            raise forms.ValidationError(
                _("Not a date: %(values)s. Write them like 2026-12-25"),
                params={"values": ", ".join(bad)},
            )
        return sorted(set(dates))

    def clean(self):
        data = super().clean()
        for day, name in enumerate(WEEKDAYS):
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            if bool(opens) != bool(closes) or (opens and closes and opens >= closes):
                self.add_error(
                    f"closes_{day}",
                    _("%(day)s: give both times, the closing one after the opening one.")
                    % {"day": name},
                )
        return data

    def settings(self) -> dict:
        """The bot fields these answers set: `hours_on` and `hours`."""
        data = self.cleaned_data
        days = {}
        for day in range(7):
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            days[str(day)] = [f"{opens:%H:%M}", f"{closes:%H:%M}"] if opens and closes else None
        return {"hours_on": data["hours_on"], "hours": {"days": days, "holidays": data["holidays"]}}
