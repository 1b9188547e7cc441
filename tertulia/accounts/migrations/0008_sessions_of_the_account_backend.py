"""Sessions logged in before `accounts.backends.AccountBackend` name Django's ModelBackend, which
is no longer in AUTHENTICATION_BACKENDS: Django would log them out. They are moved to the new
backend, so an upgrade logs nobody out."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import migrations

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "tertulia.accounts.backends.AccountBackend"


def _move(apps, before: str, after: str) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    sessions = apps.get_model("sessions", "Session").objects
    for session in sessions.filter(session_data__isnull=False).iterator(chunk_size=1000):
        data = store.decode(session.session_data)  # {} when it cannot be read
        if data.get(BACKEND_SESSION_KEY) == before:
            data[BACKEND_SESSION_KEY] = after
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def forwards(apps, schema_editor):
    _move(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _move(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_identity"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
