"""Behind a reverse proxy that ends TLS: with TERTULIA_URL=https://..., forms posted from that
origin pass the CSRF check although the request reaches Django over http, and cookies are
marked Secure; another origin is still refused."""
# ruff: noqa: S603 (this interpreter, fixed arguments)

import json
import subprocess
import sys

from django.conf import settings

from tests.core.test_serve import environment

LOGIN = """
import json, re
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client

client = Client(enforce_csrf_checks=True, HTTP_HOST="chat.example.com")
page = client.get("/login/")
statuses = {}
if settings.CSRF_TRUSTED_ORIGINS:  # a login attempt needs the tables
    call_command("migrate", verbosity=0)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    form = {"username": "nobody@example.com", "password": "wrong", "csrfmiddlewaretoken": token}
    statuses = {
        origin: client.post("/login/", form, HTTP_ORIGIN=origin).status_code
        for origin in ("https://chat.example.com", "https://evil.example")
    }
print(json.dumps({
    "trusted": settings.CSRF_TRUSTED_ORIGINS,
    "secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "cookie_secure": bool(page.cookies["csrftoken"]["secure"]),
    "statuses": statuses,
}))
"""


def run(tmp_path, url: str) -> dict:
    (tmp_path / "static").symlink_to(settings.STATIC_ROOT)  # this run's collected files
    env = {
        **environment(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tertulia.config.settings",
        "ALLOWED_HOSTS": "chat.example.com",
        "DATABASE_URL": "sqlite://:memory:",
        "TERTULIA_URL": url,
    }
    done = subprocess.run(
        [sys.executable, "-c", LOGIN], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_an_https_address_is_a_trusted_origin_with_secure_cookies(tmp_path):
    got = run(tmp_path, "https://chat.example.com/")
    assert got["trusted"] == ["https://chat.example.com"]
    assert got["secure"] == [True, True] and got["cookie_secure"]
    # A wrong password (200, the form again), not a CSRF refusal; a foreign origin is refused.
    assert got["statuses"] == {"https://chat.example.com": 200, "https://evil.example": 403}


def test_an_http_address_changes_nothing(tmp_path):
    got = run(tmp_path, "http://chat.example.com:8000")
    assert got["trusted"] == [] and got["secure"] == [False, False]
    assert not got["cookie_secure"]
