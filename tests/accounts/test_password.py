"""Change password, change e-mail address, and "Forgot your password?", through the pages."""

import re
import time

from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from tertulia.accounts.models import User
from tests.conftest import PASSWORD

PROFILE = reverse("accounts:profile")
CHANGE_PASSWORD = reverse("accounts:password_change")
CHANGE_EMAIL = reverse("accounts:email_change")
FORGOT = reverse("accounts:password_forgot")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "quiet-harbour-lanterns"


def logged_in(email: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(PROFILE).status_code == 200


def can_log_in(email: str, password: str) -> bool:
    return Client().post(LOGIN, {"username": email, "password": password}).status_code == 302


def change_password(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        CHANGE_PASSWORD,
        {
            "password-old_password": old,
            "password-new_password1": new,
            "password-new_password2": new if again is None else again,
        },
    )


def link_in(message) -> str:
    """The path of the one link in an e-mail."""
    (url,) = re.findall(r"https?://\S+", message.body)
    return re.sub(r"^https?://[^/]+", "", url)


# Change password


def test_the_account_page_offers_both_changes(owner):
    page = logged_in("owner@acme.test").get(PROFILE).content.decode()
    assert "Change password" in page and "Current password" in page
    assert "Change e-mail address" in page and "New e-mail address" in page


def test_wrong_current_password_changes_nothing(owner):
    client = logged_in("owner@acme.test")
    response = change_password(client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    assert can_log_in("owner@acme.test", PASSWORD)
    assert not can_log_in("owner@acme.test", NEW_PASSWORD)


def test_each_password_validator_says_what_is_wrong(owner):
    client = logged_in("owner@acme.test")
    cases = {
        "short1": "This password is too short. It must contain at least 8 characters.",
        "password123": "This password is too common.",
        "4815162342": "This password is entirely numeric.",
        "owner@acme.test1": "The password is too similar to the e-mail.",
        "olga owner": "The password is too similar to the name.",
    }
    for password, message in cases.items():
        response = change_password(client, PASSWORD, password)
        assert response.status_code == 400
        assert message in response.content.decode(), password
    response = change_password(client, PASSWORD, NEW_PASSWORD, again=NEW_PASSWORD + "x")
    assert "The two new passwords are not the same." in response.content.decode()
    assert can_log_in("owner@acme.test", PASSWORD)


def test_validator_messages_in_spanish(owner):
    User.objects.filter(pk=owner.user_id).update(language="es")
    client = logged_in("owner@acme.test")
    response = change_password(client, PASSWORD, "4815162342")
    assert "Esta contraseña es completamente numérica." in response.content.decode()


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(owner):
    here = logged_in("owner@acme.test")
    elsewhere = logged_in("owner@acme.test")
    response = change_password(here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response["Location"] == PROFILE
    assert "Your other sessions have been logged out." in here.get(PROFILE).content.decode()
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert elsewhere.get(PROFILE)["Location"].startswith(LOGIN)
    assert can_log_in("owner@acme.test", NEW_PASSWORD)
    assert not can_log_in("owner@acme.test", PASSWORD)


# Change e-mail address


def ask_for_email_change(client: Client, new_email: str, password: str = PASSWORD):
    return client.post(CHANGE_EMAIL, {"email-new_email": new_email, "email-password": password})


def test_new_address_changes_only_when_its_link_is_opened(owner):
    client = logged_in("owner@acme.test")
    response = ask_for_email_change(client, "Olga@New.example")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["olga@new.example"]
    assert "olga@new.example" in message.body and "owner@acme.test" in message.body
    owner.user.refresh_from_db()
    assert owner.user.email == "owner@acme.test"  # not yet

    link = link_in(message)
    confirm_page = Client().get(link)  # another browser: the link is enough
    assert confirm_page.status_code == 200
    assert "From now on you will log in with olga@new.example." in confirm_page.content.decode()
    owner.user.refresh_from_db()
    assert owner.user.email == "owner@acme.test"  # opening is not confirming (mail scanners)

    assert client.post(link)["Location"] == PROFILE
    owner.user.refresh_from_db()
    assert owner.user.email == "olga@new.example"
    assert is_logged_in(client)
    assert can_log_in("olga@new.example", PASSWORD)

    reused = Client().get(link)
    assert reused.status_code == 410
    assert "This link has already been used" in reused.content.decode()


def test_email_change_needs_the_password_and_a_free_address(owner, other_owner):
    client = logged_in("owner@acme.test")
    response = ask_for_email_change(client, "olga@new.example", password="wrong")
    assert response.status_code == 400 and "That is not your password." in response.content.decode()
    response = ask_for_email_change(client, "OWNER@globex.test")
    assert "Another account uses that address." in response.content.decode()
    assert mail.outbox == []


def test_a_stale_email_link_is_refused(owner):
    client = logged_in("owner@acme.test")
    ask_for_email_change(client, "first@new.example")
    first = link_in(mail.outbox[0])
    ask_for_email_change(client, "second@new.example")
    assert client.post(link_in(mail.outbox[1])).status_code == 302
    # The address changed since the first link was sent: it no longer acts.
    response = client.post(first)
    assert response.status_code == 410
    owner.user.refresh_from_db()
    assert owner.user.email == "second@new.example"
    broken = Client().get(first[:-6] + "xxxxx/")
    assert broken.status_code == 400
    assert "This link is not valid." in broken.content.decode()


def test_email_link_in_the_users_language(owner):
    User.objects.filter(pk=owner.user_id).update(language="es")
    ask_for_email_change(logged_in("owner@acme.test"), "olga@new.example")
    assert mail.outbox[0].subject == "Confirma tu nueva dirección de correo de Tertulia"


# Forgot your password?


def ask_for_reset(email: str, client: Client | None = None):
    return (client or Client()).post(FORGOT, {"email": email})


def test_login_page_links_to_forgot_password(db):
    page = Client().get(LOGIN).content.decode()
    assert f'href="{FORGOT}"' in page and "Forgot your password?" in page


def test_same_answer_whether_or_not_the_address_has_an_account(owner):
    known = ask_for_reset("OWNER@acme.test")
    unknown = ask_for_reset("nobody@acme.test")
    assert known.status_code == unknown.status_code == 200
    answer = "If an account exists for {}, we sent it a link to set a new password."
    assert answer.format("owner@acme.test") in known.content.decode()
    assert answer.format("nobody@acme.test") in unknown.content.decode()
    (message,) = mail.outbox
    assert message.to == ["owner@acme.test"]
    assert message.subject == "Set a new Tertulia password"


def test_reset_requests_are_throttled_per_ip_address(owner, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_per_ip": (3, 900)}
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert ask_for_reset("owner@acme.test", client).status_code == 200
    response = ask_for_reset("nobody@acme.test", client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many requests. Try again in 15 minutes." in response.content.decode()
    assert len(mail.outbox) == 3
    assert ask_for_reset("owner@acme.test", Client(REMOTE_ADDR="203.0.113.8")).status_code == 200


def test_one_address_gets_a_few_reset_emails_whoever_asks(owner, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_per_address": (2, 3600)}
    answers = [
        ask_for_reset("Owner@acme.test", Client(REMOTE_ADDR=f"203.0.113.{n}")) for n in range(4)
    ]
    # The same answer every time, but only two e-mails reach the inbox.
    assert {response.status_code for response in answers} == {200}
    assert all("If an account exists" in response.content.decode() for response in answers)
    assert len(mail.outbox) == 2


def test_reset_link_sets_a_new_password_and_logs_in_once(owner):
    elsewhere = logged_in("owner@acme.test")
    ask_for_reset("owner@acme.test")
    link = link_in(mail.outbox[0])
    browser = Client()
    form = browser.get(link)
    assert form.status_code == 200 and "owner@acme.test" in form.content.decode()

    weak = browser.post(link, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 400
    assert "This password is entirely numeric." in weak.content.decode()

    response = browser.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("visitors:list")
    assert browser.get(reverse("visitors:list")).status_code == 200
    assert not is_logged_in(elsewhere)
    assert can_log_in("owner@acme.test", NEW_PASSWORD)
    assert not can_log_in("owner@acme.test", PASSWORD)

    reused = Client().get(link)
    assert reused.status_code == 410
    assert "This link has already been used" in reused.content.decode()
    again = Client().post(
        link, {"new_password1": "x-other-pass-99", "new_password2": "x-other-pass-99"}
    )
    assert again.status_code == 410
    assert can_log_in("owner@acme.test", NEW_PASSWORD)


def test_an_expired_reset_link_says_so(owner):
    ask_for_reset("owner@acme.test")
    link = link_in(mail.outbox[0])
    with override_settings(PASSWORD_RESET_TIMEOUT=1):
        time.sleep(1.1)
        response = Client().get(link)
        assert response.status_code == 410
        page = response.content.decode()
        assert "This link has expired." in page and f'href="{FORGOT}"' in page
        posted = Client().post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert posted.status_code == 410
    assert can_log_in("owner@acme.test", PASSWORD)


def test_reset_link_points_where_the_request_came_unless_tertulia_url_is_set(owner, settings):
    settings.ALLOWED_HOSTS = ["dash.example"]
    settings.TERTULIA_URL = ""
    Client(HTTP_HOST="dash.example:8200").post(FORGOT, {"email": "owner@acme.test"})
    assert "http://dash.example:8200/password/reset/" in mail.outbox[0].body
    settings.TERTULIA_URL = "https://chat.example.com/"
    Client(HTTP_HOST="dash.example:8200").post(FORGOT, {"email": "owner@acme.test"})
    assert "https://chat.example.com/password/reset/" in mail.outbox[1].body


def test_reset_email_in_the_users_language_else_the_browsers(owner):
    User.objects.filter(pk=owner.user_id).update(language="es")
    ask_for_reset("owner@acme.test")
    assert mail.outbox[0].subject == "Elige una nueva contraseña de Tertulia"
    User.objects.filter(pk=owner.user_id).update(language="")
    Client(HTTP_ACCEPT_LANGUAGE="es").post(FORGOT, {"email": "owner@acme.test"})
    assert mail.outbox[1].subject == "Elige una nueva contraseña de Tertulia"


def test_without_smtp_the_console_says_where_the_email_went(owner, settings, tmp_path, caplog):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    with caplog.at_level("WARNING", logger="tertulia.accounts.emails"):
        ask_for_reset("owner@acme.test")
    (written,) = tmp_path.iterdir()
    assert "/password/reset/" in written.read_text()
    assert f"was written to {tmp_path}" in caplog.text
