import pytest


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path):
    """E-mails in Django's memory outbox (`mail.outbox`), whatever MAILERS says."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.TERTULIA_URL = ""
