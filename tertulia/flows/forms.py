"""Forms of the bot pages: the widget's look and allowed sites, and importing a flow."""

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
