"""Your settings: name, language and time zone, through the page."""

import re

from django.test import Client
from django.urls import reverse

from tertulia.accounts.models import User
from tests.conftest import PASSWORD

PROFILE = reverse("accounts:profile")


def logged_in(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=PASSWORD)
    return client


def language_options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="language".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_an_empty_language_reads_as_the_browsers_in_both_languages(owner):
    client = logged_in("owner@acme.test")
    english = client.get(PROFILE, headers={"accept-language": "en"}).content.decode()
    assert language_options(english) == [
        ("", "The browser&#x27;s language"),
        ("en", "English"),
        ("es", "Spanish"),
    ]
    spanish = client.get(PROFILE, headers={"accept-language": "es"}).content.decode()
    assert language_options(spanish)[0] == ("", "El idioma del navegador")


def test_the_language_is_chosen_and_given_back_to_the_browser(owner):
    client = logged_in("owner@acme.test")
    form = {"name": "Olga Owner", "language": "es", "timezone": "Europe/Madrid"}
    assert client.post(PROFILE, form).status_code == 302
    user = User.objects.get(email="owner@acme.test")
    assert (user.language, user.timezone) == ("es", "Europe/Madrid")
    assert "Sus ajustes" in client.get(PROFILE, headers={"accept-language": "en"}).content.decode()

    assert client.post(PROFILE, {**form, "language": ""}).status_code == 302
    assert User.objects.get(email="owner@acme.test").language == ""
    assert (
        "Your settings" in client.get(PROFILE, headers={"accept-language": "en"}).content.decode()
    )


def test_a_language_not_offered_is_refused_and_nothing_changes(owner):
    client = logged_in("owner@acme.test")
    response = client.post(PROFILE, {"name": "X", "language": "fr", "timezone": "UTC"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert User.objects.get(email="owner@acme.test").name == "Olga Owner"
