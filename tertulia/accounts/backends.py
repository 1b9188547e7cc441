"""Logging in with an e-mail and a password, as Django's ModelBackend does; the user every
request reads from its session comes from one statement compiled once (`core.rows`) instead of a
queryset built anew."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from tertulia.core import rows


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = rows.get(model, user_id)
        except (model.DoesNotExist, TypeError, ValueError):
            return None
        return user if self.user_can_authenticate(user) else None
