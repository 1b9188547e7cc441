import re

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tertulia.accounts.forms import language_field, timezone_field
from tertulia.accounts.models import Role, User
from tertulia.team.services import INVITABLE_ROLES

MAX_ADDRESSES = 20


class InviteForm(forms.Form):
    """One or several e-mail addresses (commas, spaces or lines between them) and a role."""

    emails = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_("One or several, separated by commas, spaces or new lines."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(role.value, role.label) for role in INVITABLE_ROLES],
        initial=Role.AGENT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, workspace=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_emails(self) -> list[str]:
        addresses = []
        for address in re.split(r"[\s,;]+", self.cleaned_data["emails"]):
            address = address.strip().lower()
            if address and address not in addresses:
                addresses.append(address)
        if not addresses:
            raise ValidationError(_("Write at least one e-mail address."), code="required")
        if len(addresses) > MAX_ADDRESSES:
            raise ValidationError(
                ngettext(
                    "Invite at most %(count)d address at a time.",
                    "Invite at most %(count)d addresses at a time.",
                    MAX_ADDRESSES,
                )
                % {"count": MAX_ADDRESSES},
                code="too_many",
            )
        errors = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                errors.append(
                    ValidationError(
                        _("“%(address)s” is not an e-mail address."),
                        params={"address": address},
                        code="invalid",
                    )
                )
        members = set()
        if self.workspace is not None:
            members = set(
                User.objects.filter(
                    memberships__workspace=self.workspace, email__in=addresses
                ).values_list("email", flat=True)
            )
        errors += [
            ValidationError(
                _("%(address)s is already a member of this workspace."),
                params={"address": address},
                code="member",
            )
            for address in addresses
            if address in members
        ]
        if errors:
            raise ValidationError(errors)
        return addresses


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class JoinForm(forms.ModelForm):
    """A new person's account: name, password (twice, with the project's validators), language
    and time zone. The e-mail address is the invitation's."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 8 characters; not a common password, not only digits, and not like your "
            "name or address."
        ),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = language_field()
    timezone = timezone_field()

    class Meta:
        model = User
        fields = ["name", "language", "timezone"]
        labels = {"name": _("Your name")}

    field_order = ["name", "password1", "password2", "language", "timezone"]

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.email = email
        self.fields["name"].required = True
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data["password2"]
        if first and first != second:
            raise ValidationError(_("The two passwords differ."), code="mismatch")
        return second

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("password1", error)
