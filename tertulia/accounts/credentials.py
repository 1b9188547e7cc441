"""Writes for a user's own login: a new password, a new e-mail address.

Like the profile (`services.profile_update`), these are the user's own and are not audited.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tertulia.accounts.models import User


@transaction.atomic
def password_set(*, user: User, password: str) -> User:
    """A user's new password (already validated). Every session made with the old one ends on its
    next request, because Django checks each session against the password's hash; the view that
    asked keeps its own with `update_session_auth_hash`."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def email_change(*, user: User, new_email: str) -> User:
    """Log in with `new_email` from now on (its owner opened the confirmation link)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    new_email = new_email.strip().lower()
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise ValidationError(_("Another account uses that address."), code="taken")
    user.email = new_email
    user.save(update_fields=["email"])
    return user
