"""Sessions in the database, as Django keeps them, except that a session cookie which could
never hold one of Django's keys (32 lower-case letters and digits) is not looked up at all: the
cookie is anyone's to write, and PostgreSQL refuses a query holding a NUL character (Django
unquotes `"...\\000"` in a cookie to one), which made every page a 500.

Settings: SESSION_ENGINE = "tertulia.core.sessions".
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

KEY_LENGTH = 32  # Django's (SessionBase._get_new_session_key)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return (
            isinstance(key, str)
            and len(key) == KEY_LENGTH
            and all(character in VALID_KEY_CHARS for character in key)
        )
