"""Sessions in the database, as Django keeps them, except that a session cookie which could
never hold one of Django's keys (32 lower-case letters and digits) is not looked up at all: the
cookie is anyone's to write, and PostgreSQL refuses a query holding a NUL character (Django
unquotes `"...\\000"` in a cookie to one), which made every page a 500.

Every request reads its session: that read is one statement compiled once (`core.rows`), not
a queryset built anew, and an expired session is as good as missing, as in Django's.

Settings: SESSION_ENGINE = "tertulia.core.sessions".
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from tertulia.core import rows

KEY_LENGTH = 32  # Django's (SessionBase._get_new_session_key)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        try:
            session = rows.get(self.model, self.session_key)
        except self.model.DoesNotExist:
            session = None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

    def _validate_session_key(self, key):
        return (
            isinstance(key, str)
            and len(key) == KEY_LENGTH
            and all(character in VALID_KEY_CHARS for character in key)
        )
