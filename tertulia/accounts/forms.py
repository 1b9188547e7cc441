import math
import zoneinfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tertulia.accounts import throttle
from tertulia.accounts.models import User, Workspace
from tertulia.core.net import request_ip


class LoginForm(AuthenticationForm):
    """E-mail and password, refused for a while after too many failed tries (from this IP address,
    on this account or on any)."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("That e-mail and password do not match an account."),
        "inactive": _("This account is disabled."),
    }

    locked_seconds = 0

    def clean_username(self) -> str:
        """Addresses are stored lower-case; people type them any way."""
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        email = self.cleaned_data.get("username")
        if not (email and self.cleaned_data.get("password")):
            return super().clean()  # the fields' own errors: no try was made
        ip = request_ip(self.request) if self.request else ""
        self.locked_seconds = throttle.begin(email=email, ip=ip)
        if self.locked_seconds:
            minutes = math.ceil(self.locked_seconds / 60)
            raise forms.ValidationError(
                ngettext(
                    "Too many failed attempts. Try again in %(minutes)d minute.",
                    "Too many failed attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        cleaned_data = super().clean()  # a wrong password raises: the try stays counted
        throttle.succeeded(email=email, ip=ip)
        return cleaned_data


def _timezone_choices() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in sorted(zoneinfo.available_timezones())]


def language_field() -> forms.ChoiceField:
    """A person's language: one of the dashboard's, or none to follow the browser's."""
    choices = [("", _("The browser's language")), *User._meta.get_field("language").choices]
    return forms.ChoiceField(label=_("Language"), choices=choices, required=False)


def timezone_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Time zone"), choices=_timezone_choices)


class ProfileForm(forms.ModelForm):
    """What a member sets for themselves: how they are called, their language and time zone."""

    language = language_field()
    timezone = timezone_field()

    class Meta:
        model = User
        fields = ["name", "language", "timezone"]
        labels = {"name": _("Your name")}


class WorkspaceForm(forms.ModelForm):
    """The workspace's name and how it treats visitors' personal data."""

    class Meta:
        model = Workspace
        fields = [
            "name",
            "timezone",
            "ip_storage",
            "retention_days",
            "auto_assign",
            "auto_assign_limit",
        ]
        widgets = {"ip_storage": forms.RadioSelect}
        labels = {"name": _("Workspace name")}
        help_texts = {
            "ip_storage": _(
                "The location is looked up before the address is shortened or dropped. "
                "Shortened: the last number of an IPv4 address, the last 80 bits of IPv6, are zeros."
            )
        }

    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_timezone_choices,
        required=False,
        help_text=_("Bots' office hours are read in it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auto_assign_limit"].required = False

    # Left out of a post, these keep their values.
    def clean_auto_assign_limit(self) -> int:
        return self.cleaned_data.get("auto_assign_limit") or self.instance.auto_assign_limit

    def clean_timezone(self) -> str:
        return self.cleaned_data.get("timezone") or self.instance.timezone


PASSWORD_HELP = _(
    "At least 8 characters, not only digits, not a common password and not like your name or "
    "e-mail address."
)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The current password, then the new one twice (Django's password validators)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _password_labels(self)
        self.fields["old_password"].label = _("Current password")
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("That is not your current password."),
        }


class SetPasswordForm(auth_forms.SetPasswordForm):
    """A new password, twice (Django's password validators), from a reset link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _password_labels(self)


def _password_labels(form) -> None:
    form.fields["new_password1"].label = _("New password")
    form.fields["new_password1"].help_text = PASSWORD_HELP
    form.fields["new_password2"].label = _("New password again")
    form.error_messages = {
        **form.error_messages,
        "password_mismatch": _("The two new passwords are not the same."),
    }


class EmailChangeForm(forms.Form):
    """A new address to log in with, confirmed with the current password."""

    new_email = forms.EmailField(
        label=_("New e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip().lower()
        if email == self.user.email:
            raise forms.ValidationError(_("That is already your e-mail address."), code="same")
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Another account uses that address."), code="taken")
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="password_incorrect")
        return password


class WorkspaceDeleteForm(forms.Form):
    """The workspace's name typed out, and the owner's password: deleting cannot be undone."""

    name = forms.CharField(label=_("The workspace's name"), strip=True)
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.workspace = workspace

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name != self.workspace.name:
            raise forms.ValidationError(
                _("Type the name exactly as it is: %(name)s") % {"name": self.workspace.name},
                code="name",
            )
        return name

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="password_incorrect")
        return password


class PasswordResetRequestForm(forms.Form):
    """The address a "Forgot your password?" link goes to, if it has an account."""

    email = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
